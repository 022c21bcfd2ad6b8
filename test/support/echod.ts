// Spawns a real `echod start` for end-to-end tests and reads its structured (JSON) log from stdout.
// Tests run from dist/test/..., so every path is resolved from the repository root, never from the cwd.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIELDS } from '../../src/infra/config/fields.js';

export type LogLine = Record<string, unknown> & { msg?: unknown };

export interface ClientConfig {
  dcId: number;
  host: string;
  port: number;
  publicKey: string;
  /** Signed 64-bit decimal, as GramJS and Telethon compute it. */
  fingerprint: string;
  /** Unsigned hex, as the Android client lists it. */
  fingerprintHex: string;
}

/** Accepts `after` from node:test or a TestContext (`t`), so cleanup runs when that scope ends. */
export interface CleanupScope {
  after(fn: () => unknown): unknown;
}

export interface StartEchodOptions {
  /** Reused as is and never deleted; otherwise a fresh temp dir is created and removed on dispose. */
  dataDir?: string;
  /** Extra environment for echod (and for `client-config`). */
  env?: Record<string, string>;
  /** Registers `dispose()` on this scope. */
  scope?: CleanupScope;
  /** Explicit ports instead of "pick a free one". */
  tcpPorts?: number[];
  httpPort?: number;
  readyTimeoutMs?: number;
  /** Another CLI script with the same contract (the harness's own checks use a stand-in). */
  cliPath?: string;
  /** Extra node flags for the echod process (e.g. --cpu-prof for a benchmark's profile). */
  nodeArgs?: string[];
}

export interface EchodProcess {
  readonly dataDir: string;
  readonly tcpPorts: number[];
  readonly httpPort: number;
  /** The admin listener (/metrics, /healthz, /readyz, /admin/...). */
  readonly adminPort: number;
  /** Parsed JSON lines of the current process only (restart() starts a new list). */
  readonly logs: LogLine[];
  /** Logs of the processes that ran before the last restart(), oldest first. */
  readonly previousLogs: LogLine[][];
  readonly stderr: string;
  readonly pid: number | undefined;
  /** Resolves with the first line of the current process that matches, whether already logged or not. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  countLogs(predicate: (line: LogLine) => boolean): number;
  /** Resolves once the current process has logged at least `count` matching lines. */
  waitForLogCount(predicate: (line: LogLine) => boolean, count: number, timeoutMs?: number): Promise<void>;
  clientConfig(): Promise<ClientConfig>;
  /** SIGTERM and wait for exit (SIGKILL if it does not exit in time). */
  stop(): Promise<void>;
  kill(): Promise<void>;
  /** Stops, then starts again on the same data dir and the same ports, so saved client sessions stay valid. */
  restart(): Promise<void>;
  /** Stops and removes the data dir if this harness created it. Idempotent. */
  dispose(): Promise<void>;
}

export const READY_MSG = 'echod ready';
export const AUTH_KEY_CREATED_MSG = 'auth key created';

let cachedRoot: string | undefined;

/** The folder holding the project's package.json, found by walking up from this compiled file. */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === 'echo-server') return (cachedRoot = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/support/echod: cannot find the repository root (package.json named echo-server)');
    dir = parent;
  }
}

export function echodCliPath(): string {
  const cli = join(repoRoot(), 'dist/src/cli/echod.js');
  if (!existsSync(cli)) throw new Error(`echod is not built (${cli} missing): run \`node scripts/build.mjs\``);
  return cli;
}

// Every child and temp dir ever started, so a crashing or interrupted test run never leaves echod behind.
const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    if (liveChildren.size > 0) {
      for (const child of liveChildren) child.kill('SIGKILL');
      // Only synchronous code runs here; a short block lets the kills land before the data dirs go,
      // so a dying echod cannot write a file into a removed dir and leave it behind.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      // Re-raise with the default handler so the exit status still says "killed by signal".
      process.kill(process.pid, sig);
    });
  }
}

/** Every environment variable echod reads as a setting (fields.ts): ECHO_* and the engines' DB_*, KAFKA_*, ... */
const SETTING_VARIABLES: ReadonlySet<string> = new Set(Object.values(FIELDS).map((f) => f.env));

/**
 * The environment a test server inherits: the parent's minus every setting. A developer's ECHO_* must not leak
 * into a test server, nor the engines' variables (`eval "$(scripts/engines.sh up)"` exports them for the engine
 * tests): inherited DB_* would put every test server into the one shared database, where users found by phone
 * and their messages from earlier runs and other test files are still there. A test that wants an engine passes
 * its variables in `env` (for MySQL, a scratch database: test/engines/mysql-env.ts).
 */
export function inheritedEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent)) if (!k.startsWith('ECHO_') && !SETTING_VARIABLES.has(k)) env[k] = v;
  return env;
}

/** The engines' settings (DB_*, REDIS_*, KAFKA_*, ETCD_*, MINIO_*) the parent has, for a caller that passes them on deliberately. */
export function engineSettings(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && !k.startsWith('ECHO_') && SETTING_VARIABLES.has(k)) env[k] = v;
  return env;
}

type Waiter = { predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

class Echod implements EchodProcess {
  readonly dataDir: string;
  tcpPorts: number[] = [];
  httpPort = 0;
  adminPort = 0;
  logs: LogLine[] = [];
  readonly previousLogs: LogLine[][] = [];
  stderr = '';
  private stdoutRest = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private waiters = new Set<Waiter>();
  private disposed = false;

  constructor(
    private readonly opts: StartEchodOptions,
    private readonly ownsDir: boolean,
    dataDir: string,
  ) {
    this.dataDir = dataDir;
  }

  private cli(): string {
    return this.opts.cliPath ?? echodCliPath();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private env(tcpPorts: string, httpPort: string, adminPort = this.adminPort): NodeJS.ProcessEnv {
    return {
      ...inheritedEnv(),
      // Parallel test servers must not fight over the default 8802.
      ECHO_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      ECHO_DATA_DIR: this.dataDir,
      ECHO_HOST: '127.0.0.1',
      ECHO_LISTEN: '127.0.0.1',
      ECHO_TCP_PORTS: tcpPorts,
      ECHO_HTTP_PORT: httpPort,
      ECHO_LOG_LEVEL: 'debug',
      // Test servers run handshakes on the main thread unless a test (or ECHO_TEST_HANDSHAKE_WORKERS, to run a
      // whole suite that way) asks for the thread pool.
      ECHO_HANDSHAKE_WORKERS: process.env.ECHO_TEST_HANDSHAKE_WORKERS ?? '0',
      // Likewise the gateway processes (ECHO_TEST_WORKERS=2 runs a suite with the sockets in gateway processes).
      ...(process.env.ECHO_TEST_WORKERS ? { ECHO_WORKERS: process.env.ECHO_TEST_WORKERS } : {}),
      ...this.opts.env,
    };
  }

  async start(tcpPorts: number[] | undefined, httpPort: number | undefined, adminPort = 0): Promise<void> {
    installExitHook();
    const env = this.env(tcpPorts ? tcpPorts.join(',') : '0,0', String(httpPort ?? 0), adminPort);
    const child = spawn(process.execPath, [...(this.opts.nodeArgs ?? []), this.cli(), 'start'], { cwd: repoRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.logs = [];
    this.stderr = '';
    this.stdoutRest = '';
    liveChildren.add(child);
    this.exited = new Promise<void>((resolve) => {
      // 'close' rather than 'exit': it fires after stdout is drained, so `logs` is complete once stop() returns.
      child.once('close', (code, signal) => {
        liveChildren.delete(child);
        if (this.child === child) this.failWaiters(new Error(`echod exited (code ${code}, signal ${signal}) before the expected log line.\nstderr:\n${this.stderr}\nstdout tail:\n${this.stdoutTail()}`));
        resolve();
      });
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      if (process.env.DEBUG) process.stderr.write(`[echod stderr] ${chunk}`);
    });
    child.once('error', (err) => this.failWaiters(err));

    const ready = await this.waitForLog((l) => l.msg === READY_MSG, this.opts.readyTimeoutMs ?? 20_000);
    const ports = ready.tcpPorts;
    if (!Array.isArray(ports) || ports.length === 0 || !ports.every((p) => Number.isInteger(p) && (p as number) > 0)) {
      throw new Error(`echod ready line has no usable tcpPorts: ${JSON.stringify(ready)}`);
    }
    // A gateway node (ECHO_ROLE=gateway) serves TCP only.
    if (ready.role !== 'gateway' && (!Number.isInteger(ready.httpPort) || (ready.httpPort as number) <= 0)) {
      throw new Error(`echod ready line has no usable httpPort: ${JSON.stringify(ready)}`);
    }
    this.tcpPorts = ports as number[];
    this.httpPort = ready.httpPort as number;
    if (Number.isInteger(ready.adminPort)) this.adminPort = ready.adminPort as number;
  }

  private stdoutTail(): string {
    return this.logs.slice(-5).map((l) => JSON.stringify(l)).join('\n') + this.stdoutRest;
  }

  private onStdout(chunk: string): void {
    const text = this.stdoutRest + chunk;
    const lines = text.split('\n');
    this.stdoutRest = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (process.env.DEBUG) process.stderr.write(`[echod] ${line}\n`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue; // a human-readable banner line; tests only look at structured lines
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
      const entry = parsed as LogLine;
      this.logs.push(entry);
      for (const w of [...this.waiters]) {
        if (safeMatch(w.predicate, entry)) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(entry);
        }
      }
    }
  }

  private failWaiters(err: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters.clear();
  }

  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const found = this.logs.find((l) => safeMatch(predicate, l));
    if (found) return Promise.resolve(found);
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`echod is not running; no matching log line.\nstderr:\n${this.stderr}`));
    }
    return new Promise<LogLine>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`no matching echod log line within ${timeoutMs} ms; last lines:\n${this.stdoutTail()}\nstderr:\n${this.stderr}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  countLogs(predicate: (line: LogLine) => boolean): number {
    return this.logs.filter((l) => safeMatch(predicate, l)).length;
  }

  async waitForLogCount(predicate: (line: LogLine) => boolean, count: number, timeoutMs = 10_000): Promise<void> {
    if (count <= 0) return;
    // The waiter sees each line after it was appended, so counting inside the predicate is exact.
    await this.waitForLog((l) => safeMatch(predicate, l) && this.countLogs(predicate) >= count, timeoutMs);
  }

  clientConfig(): Promise<ClientConfig> {
    const env = this.env(this.tcpPorts.length ? this.tcpPorts.join(',') : '0,0', String(this.httpPort));
    return new Promise((resolve, reject) => {
      const child = execFile(process.execPath, [this.cli(), 'client-config', '--json'], { cwd: repoRoot(), env, timeout: 20_000 }, (err, stdout, stderr) => {
        liveChildren.delete(child);
        if (err) return reject(new Error(`echod client-config failed: ${err.message}\nstderr:\n${stderr}`));
        try {
          resolve(parseClientConfig(stdout));
        } catch (e) {
          reject(new Error(`echod client-config printed no usable JSON (${(e as Error).message}):\n${stdout}\nstderr:\n${stderr}`));
        }
      });
      // It reads (and may create) files in the data dir, so an interrupted run must end it too.
      liveChildren.add(child);
    });
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return this.exited;
    child.kill(sig);
    if (sig === 'SIGKILL') return this.exited;
    // A server that ignores SIGTERM must not hang the suite; the test that cares checks the exit itself.
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(guard);
    }
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.disposed) throw new Error('echod harness already disposed');
    const tcpPorts = this.tcpPorts;
    const httpPort = this.httpPort;
    const adminPort = this.adminPort;
    await this.stop();
    this.previousLogs.push(this.logs);
    await this.start(tcpPorts, httpPort, adminPort);
    if (this.tcpPorts.join(',') !== tcpPorts.join(',') || this.httpPort !== httpPort) {
      throw new Error(`echod came back on other ports: tcp ${this.tcpPorts} http ${this.httpPort}, expected tcp ${tcpPorts} http ${httpPort}`);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stop();
    if (this.ownsDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      ownedDirs.delete(this.dataDir);
    }
  }
}

function safeMatch(predicate: (l: LogLine) => boolean, line: LogLine): boolean {
  try {
    return predicate(line);
  } catch {
    return false;
  }
}

/** Parses `client-config --json`; the fingerprint may come as a string or number, it is kept as a decimal string. */
export function parseClientConfig(stdout: string): ClientConfig {
  const start = stdout.indexOf('{');
  const end = stdout.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error('no JSON object');
  const o = JSON.parse(stdout.slice(start, end + 1)) as Record<string, unknown>;
  const cfg: ClientConfig = {
    dcId: Number(o.dcId),
    host: String(o.host),
    port: Number(o.port),
    publicKey: String(o.publicKey),
    fingerprint: String(o.fingerprint),
    fingerprintHex: String(o.fingerprintHex).toLowerCase().replace(/^0x/, ''),
  };
  if (!Number.isInteger(cfg.dcId) || !Number.isInteger(cfg.port) || !cfg.publicKey.includes('BEGIN RSA PUBLIC KEY') || !/^-?\d+$/.test(cfg.fingerprint)) {
    throw new Error(`unexpected shape: ${JSON.stringify(o)}`);
  }
  return cfg;
}

export async function startEchod(opts: StartEchodOptions = {}): Promise<EchodProcess> {
  const ownsDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'echod-e2e-'));
  if (ownsDir) ownedDirs.add(dataDir);
  installExitHook();
  const echod = new Echod(opts, ownsDir, dataDir);
  opts.scope?.after(() => echod.dispose());
  try {
    await echod.start(opts.tcpPorts, opts.httpPort);
  } catch (err) {
    await echod.dispose();
    throw err;
  }
  return echod;
}
