// Python MTProto clients (Telethon, kurigram) as child processes, driven over test/python/harness.py's
// line-based JSON protocol: each call() is one command line and resolves with its answer; every message the
// client receives (or sends, from any device) arrives as an event in `messages`, so a test waits for it
// without sleeping. The interpreter is the venv scripts/setup-python-clients.sh creates (run here when missing).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { repoRoot } from './echod.js';
import { Inbox } from './inbox.js';
import { readRsaPublicKey } from './rsa-public.js';
import type { EchoTarget } from './gramjs.js';

export type PythonClientKind = 'telethon' | 'kurigram';

/** A user (id) or a basic group (its chat id, positive as in TL). */
export type PyPeer = { user: number | bigint } | { chat: number | bigint };

/** A message as the driver describes it (test/python/*_driver.py `describe`). */
export interface PyMessage {
  id: number;
  chat: { type: 'user' | 'chat' | 'channel'; id: number };
  sender_id: number | null;
  out: boolean;
  text: string;
  media: 'photo' | 'document' | null;
}

export interface PyDownload extends PyMessage {
  size: number;
  sha256: string;
}

let setupDone: Promise<string> | undefined;

/** The venv's python, creating the venv first if needed (idempotent, instant when it is up to date). */
export function pythonClientsInterpreter(): Promise<string> {
  setupDone ??= (async () => {
    const root = repoRoot();
    await promisify(execFile)('bash', [join(root, 'scripts/setup-python-clients.sh')], { cwd: root, timeout: 600_000 });
    const python = join(root, '.venv-clients/bin/python');
    if (!existsSync(python)) throw new Error(`${python} missing after scripts/setup-python-clients.sh`);
    return python;
  })();
  return setupDone;
}

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void; cmd: string };

export class PythonClient {
  readonly messages = new Inbox();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private readonly exited: Promise<void>;

  private constructor(
    readonly kind: PythonClientKind,
    private readonly child: ChildProcess,
    ready: () => void,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line, ready));
    // A write after the driver died fails with EPIPE; the 'close' handler below already rejects what is pending.
    child.stdin!.on('error', () => undefined);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
      if (process.env.DEBUG) process.stderr.write(`[${kind}] ${chunk}`);
    });
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`${kind} driver exited (code ${code}, signal ${signal}) during ${p.cmd}\n${this.stderrTail}`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Starts `test/python/<kind>_driver.py` and waits for its ready line. */
  static async start(kind: PythonClientKind): Promise<PythonClient> {
    const python = await pythonClientsInterpreter();
    const child = spawn(python, ['-u', join(repoRoot(), 'test/python', `${kind}_driver.py`)], { cwd: repoRoot(), stdio: ['pipe', 'pipe', 'pipe'] });
    let client!: PythonClient;
    await new Promise<void>((resolve, reject) => {
      client = new PythonClient(kind, child, resolve);
      child.once('error', reject);
      child.once('close', (code) => reject(new Error(`${kind} driver exited (code ${code}) before it was ready\n${client.stderrTail}`)));
    });
    return client;
  }

  private onLine(line: string, ready: () => void): void {
    let msg: any;
    try {
      msg = JSON.parse(line);
    } catch {
      this.stderrTail += `\n[non-protocol stdout] ${line}`;
      return;
    }
    if (msg.event === 'ready') return ready();
    if (msg.event === 'message') return this.messages.push(msg);
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${this.kind} ${p.cmd}: ${msg.error}`));
  }

  /** Runs one driver command (cmd_<name> in the driver) and resolves with its result. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    const line = JSON.stringify({ id, cmd, args }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.kind} ${cmd}: no answer within ${timeoutMs} ms\n${this.stderrTail}`));
      }, timeoutMs);
      this.pending.set(id, { cmd, resolve: (v) => (clearTimeout(timer), resolve(v)), reject: (e) => (clearTimeout(timer), reject(e)) });
      this.child.stdin!.write(`${line}\n`);
    });
  }

  /** Connects to Echo with the session file at `session` (no extension; created when new). */
  connect(target: EchoTarget, session: string): Promise<{ authorized: boolean; layer: number; saved_session: boolean }> {
    const key = readRsaPublicKey(target.publicKey);
    const common = { session, host: target.host, port: target.port, dc_id: target.dcId, api_id: 12345, api_hash: '0123456789abcdef0123456789abcdef' };
    const keyArgs = this.kind === 'telethon' ? { public_key: target.publicKey } : { modulus_hex: key.n.toString('hex'), exponent: key.e, fingerprint: key.fingerprint.toString() };
    return this.call('connect', { ...common, ...keyArgs });
  }

  /** Resolves with the first message event that matches, whether it already arrived or not. */
  waitForMessage(pred: (m: PyMessage) => boolean, what: string, timeoutMs = 30_000): Promise<PyMessage> {
    return this.messages.waitFor(pred, `${this.kind}: ${what}`, timeoutMs);
  }

  /** Asks the driver to disconnect and exit; kills it if it does not within 15 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const guard = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    this.child.stdin!.end(`${JSON.stringify({ id: 0, cmd: 'quit' })}\n`);
    await this.exited;
    clearTimeout(guard);
  }
}
