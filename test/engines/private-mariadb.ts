// A MariaDB server of a test's own (throwaway data dir, free port), for tests that stop and restart the
// server: the shared one from scripts/engines.sh must not go down under other tests. Uses the Debian
// packages engines.sh installs (mariadb-server); fails with that hint when they are missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { MysqlSettings } from '../../src/infra/db/index.js';
import { freePort } from './support.js';

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

export class PrivateMariadb {
  private proc: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get socket(): string {
    return join(this.dir, 'mysqld.sock');
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Initialises a data dir, starts the server and creates user echo/echo with every right. */
  static async create(): Promise<PrivateMariadb> {
    if (!existsSync(MARIADBD) || !existsSync(INSTALL_DB)) throw new Error(`${MARIADBD} missing: install MariaDB with \`scripts/engines.sh up mariadb\` (or apt-get install mariadb-server)`);
    const dir = mkdtempSync(join(tmpdir(), 'echo-mariadb-'));
    const m = new PrivateMariadb(dir, await freePort());
    const user = process.getuid?.() === 0 ? ['--user=root'] : [];
    const init = spawnSync(INSTALL_DB, [...user, `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr}`);
    await m.start();
    const root = await createConnection({ socketPath: m.socket, user: 'root' });
    try {
      await root.query("CREATE USER 'echo'@'127.0.0.1' IDENTIFIED BY 'echo'");
      await root.query("GRANT ALL ON *.* TO 'echo'@'127.0.0.1'");
    } finally {
      await root.end();
    }
    return m;
  }

  settings(database = 'echo'): MysqlSettings {
    return { host: '127.0.0.1', port: this.port, user: 'echo', password: 'echo', database };
  }

  /** Starts the server on the same data dir and port; resolves once it answers. */
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const user = process.getuid?.() === 0 ? ['--user=root'] : [];
    const log = openSync(join(this.dir, 'mariadbd.log'), 'a');
    this.proc = spawn(
      MARIADBD,
      ['--no-defaults', ...user, `--datadir=${join(this.dir, 'data')}`, '--bind-address=127.0.0.1', `--port=${this.port}`, `--socket=${this.socket}`, `--pid-file=${join(this.dir, 'mariadbd.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=32M'],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const proc = this.proc;
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`mariadbd exited with ${proc.exitCode} (log: ${join(this.dir, 'mariadbd.log')})`);
      try {
        const c = await createConnection({ socketPath: this.socket, user: 'root' });
        await c.end();
        return;
      } catch {
        if (i > 600) throw new Error('mariadbd did not answer within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** SIGTERM to this server's pid; resolves once it has exited. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    this.proc = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
