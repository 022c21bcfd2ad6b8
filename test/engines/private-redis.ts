// Redis servers of a test's own (free ports, a throwaway dir), for the forms the shared Redis of
// scripts/engines.sh is not: a master with a sentinel, a 3-master Cluster. Uses the redis-server and
// redis-cli of the Debian package engines.sh installs; fails with that hint when they are missing. Every
// process is started and stopped by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';

async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid!, 'SIGTERM');
  await exited;
}

function requireRedis(): void {
  if (!existsSync(REDIS_SERVER) || !existsSync(REDIS_CLI))
    throw new Error(`${REDIS_SERVER} missing: install Redis with \`scripts/engines.sh up redis\` (or apt-get install redis-server)`);
}

/** Settings every server here shares: loopback, no persistence, log to stdout (where readiness is read). */
function baseConf(port: number, dir: string): string {
  return `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsave ""\nappendonly no\nlogfile ""\n`;
}

export class PrivateRedisSet {
  private readonly procs: ChildProcess[] = [];

  private constructor(readonly dir: string) {}

  static create(): PrivateRedisSet {
    requireRedis();
    return new PrivateRedisSet(mkdtempSync(join(tmpdir(), 'echo-redis-')));
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** A master on a free port and one sentinel monitoring it as `name` (quorum 1). */
  async sentinel(name = 'mymaster'): Promise<{ masterPort: number; sentinelPort: number }> {
    const masterPort = await freePort();
    const masterConf = join(this.dir, `master-${masterPort}.conf`);
    writeFileSync(masterConf, baseConf(masterPort, this.dir));
    await this.start([masterConf], /Ready to accept connections/, 'master');
    const sentinelPort = await freePort();
    // The sentinel rewrites its conf file (it must be writable), so it gets one of its own.
    const sentinelConf = join(this.dir, `sentinel-${sentinelPort}.conf`);
    writeFileSync(sentinelConf, `${baseConf(sentinelPort, this.dir)}sentinel monitor ${name} 127.0.0.1 ${masterPort} 1\n`);
    await this.start([sentinelConf, '--sentinel'], new RegExp(`\\+monitor master ${name} 127\\.0\\.0\\.1 ${masterPort}`), 'sentinel');
    return { masterPort, sentinelPort };
  }

  /** Three cluster-enabled masters joined by `redis-cli --cluster create`; resolves once the cluster is ok. */
  async cluster(): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(this.dir, `cluster-${port}.conf`);
      writeFileSync(conf, `${baseConf(port, this.dir)}cluster-enabled yes\ncluster-config-file nodes-${port}.conf\ncluster-node-timeout 5000\n`);
      await this.start([conf], /Ready to accept connections/, `cluster node ${port}`);
      ports.push(port);
    }
    // create assigns the 16384 slots, introduces the nodes to each other and waits until they agree.
    const create = spawnSync(REDIS_CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (create.status !== 0 || !/All 16384 slots covered/.test(create.stdout))
      throw new Error(`redis-cli --cluster create failed (${create.status}):\n${create.stdout}\n${create.stderr}`);
    return ports;
  }

  /** Starts redis-server (kept for close() at once, so a failed start is cleaned up too) and waits for `ready` in its log. */
  private async start(args: string[], ready: RegExp, what: string): Promise<void> {
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.push(proc);
    await waitForLog(proc, ready, what);
  }

  async close(): Promise<void> {
    for (const proc of this.procs.reverse()) await stopServer(proc);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function waitForLog(proc: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (pattern.test(log)) {
        // Keep draining the pipes (a full pipe would block the server) without keeping the log.
        proc.stdout!.off('data', onData).resume();
        proc.stderr!.off('data', onErr).resume();
        proc.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}) before ${pattern}:\n${log.slice(-2000)}`));
    proc.stdout!.on('data', onData);
    const onErr = (c: Buffer) => (log += c.toString());
    proc.stderr!.on('data', onErr);
    proc.once('exit', onExit);
  });
}
