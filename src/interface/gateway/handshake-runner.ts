// Where auth key handshakes run. A handshake costs the server one RSA decryption and two 2048-bit modular
// exponentiations (~5 ms together): run on the main event loop, a burst of new devices adds that to the latency
// of every chat on the node. `HandshakePool` runs each connection's exchange (the sans-IO `ServerHandshake`, its
// whole state) on one of a few worker threads; `InlineHandshakes` runs it in place (ECHO_HANDSHAKE_WORKERS=0).
// Both answer the same `EncodedHandshakeStep`; rate limits and storing the key stay with the caller.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ServerHandshake, type CreatedAuthKey } from '../../mtproto/handshake/server-handshake.js';
import type { DhServer } from '../../mtproto/crypto/dh.js';
import type { ServerRsaKey } from '../../mtproto/crypto/rsa.js';
import { encodeObject, type TlObject } from '../../tl/index.js';

/** One step's outcome, the reply already TL-encoded (the body of the plain message to send). */
export interface EncodedHandshakeStep {
  reply?: Buffer;
  completed?: CreatedAuthKey;
  error?: string;
  transportError?: number;
}

/** One connection's exchange, opaque to the caller. */
export interface HandshakeSlot {
  readonly id: number;
}

export interface HandshakeRunner {
  open(): HandshakeSlot;
  /** `request` is `body` decoded (the inline runner uses it, a pool sends the bytes). Rejects only when the pool failed. */
  step(slot: HandshakeSlot, request: TlObject, body: Buffer): Promise<EncodedHandshakeStep>;
  /** The connection is gone: its exchange state may be dropped. */
  release(slot: HandshakeSlot): void;
  close(): Promise<void>;
}

export interface HandshakeSettings {
  rsaKeys: ServerRsaKey[];
  dcId: number;
  random: (n: number) => Buffer;
  now: () => number;
}

let nextSlotId = 1;

class InlineSlot implements HandshakeSlot {
  readonly id = nextSlotId++;
  constructor(readonly handshake: ServerHandshake) {}
}

function encodeStep(step: ReturnType<ServerHandshake['handle']>): EncodedHandshakeStep {
  const out: EncodedHandshakeStep = {};
  if (step.reply) out.reply = encodeObject(step.reply);
  if (step.completed) out.completed = step.completed;
  if (step.error !== undefined) out.error = step.error;
  if (step.transportError !== undefined) out.transportError = step.transportError;
  return out;
}

/** Today's single-thread mode: the exchange runs on the caller's event loop. */
export class InlineHandshakes implements HandshakeRunner {
  constructor(
    private readonly settings: HandshakeSettings,
    private readonly dh: DhServer,
  ) {}

  open(): HandshakeSlot {
    const { rsaKeys, random, now, dcId } = this.settings;
    return new InlineSlot(new ServerHandshake({ rsaKeys, dh: this.dh, random, now, dcId }));
  }

  async step(slot: HandshakeSlot, request: TlObject): Promise<EncodedHandshakeStep> {
    return encodeStep((slot as InlineSlot).handshake.handle(request));
  }

  release(): void {}

  async close(): Promise<void> {}
}

// ---- The worker pool ----------------------------------------------------------------------------------------

/** Main -> worker. `forget` drops a slot's state; `step` runs one request of a slot's exchange. */
export type PoolRequest = { kind: 'step'; job: number; slot: number; body: Uint8Array } | { kind: 'forget'; slot: number };
/** Worker -> main: the step's outcome (authKey arrives as a Uint8Array, bigints as bigints). */
export type PoolAnswer = { job: number; step: EncodedHandshakeStep };
/** What a worker is started with. */
export interface PoolWorkerData {
  privatePems: string[];
  dcId: number;
  /** A slot untouched this long is dropped (HTTP exchanges never say goodbye). */
  idleSlotMs: number;
}

interface PoolThread {
  worker: Worker;
  /** Bumped on each replacement; slots opened on an older thread fail instead of meeting a stranger. */
  generation: number;
  pending: Map<number, { resolve: (s: EncodedHandshakeStep) => void; reject: (e: Error) => void }>;
  slots: number;
  startedAt: number;
  /** Gone; its replacement may wait (a thread dying at start would otherwise be respawned in a tight loop). */
  exited: boolean;
}

/** A thread that dies sooner than this after its start is replaced after a delay, not at once. */
const EARLY_EXIT_MS = 1000;
const RESPAWN_DELAY_MS = 1000;

class PoolSlot implements HandshakeSlot {
  readonly id = nextSlotId++;
  constructor(
    readonly thread: number,
    readonly generation: number,
  ) {}
}

export interface HandshakePoolOptions {
  size: number;
  log: Logger;
  /** The worker script (tests substitute one that can be made to crash). */
  workerUrl?: URL;
  /** Default 5 minutes, beyond every handshake deadline. */
  idleSlotMs?: number;
  /** How long a thread that died within a second of its start waits to be replaced (default 1 s). */
  earlyExitRespawnDelayMs?: number;
}

const DEFAULT_WORKER_URL = new URL('./handshake-worker.js', import.meta.url);

export class HandshakePool implements HandshakeRunner {
  private readonly threads: PoolThread[] = [];
  private readonly data: PoolWorkerData;
  private nextJob = 1;
  private closing = false;
  /** Threads started since the pool opened, replacements included (tests and logs). */
  started = 0;

  constructor(
    settings: Pick<HandshakeSettings, 'rsaKeys' | 'dcId'>,
    private readonly opts: HandshakePoolOptions,
  ) {
    if (opts.size < 1) throw new Error('HandshakePool needs at least one thread');
    this.data = {
      privatePems: settings.rsaKeys.map((k) => k.keyObject.export({ type: 'pkcs1', format: 'pem' }).toString()),
      dcId: settings.dcId,
      idleSlotMs: opts.idleSlotMs ?? 5 * 60_000,
    };
    for (let i = 0; i < opts.size; i++) this.threads.push(this.spawn(i, 0));
  }

  get size(): number {
    return this.threads.length;
  }

  private spawn(index: number, generation: number): PoolThread {
    const worker = new Worker(this.opts.workerUrl ?? DEFAULT_WORKER_URL, { workerData: this.data, name: `handshake-${index}` });
    const thread: PoolThread = { worker, generation, pending: new Map(), slots: 0, startedAt: Date.now(), exited: false };
    this.started++;
    worker.on('message', (answer: PoolAnswer) => {
      const waiter = thread.pending.get(answer.job);
      if (!waiter) return;
      thread.pending.delete(answer.job);
      if (thread.pending.size === 0) worker.unref();
      const step = answer.step;
      if (step.completed) step.completed = { ...step.completed, authKey: Buffer.from(step.completed.authKey) };
      if (step.reply) step.reply = Buffer.from(step.reply.buffer, step.reply.byteOffset, step.reply.byteLength);
      waiter.resolve(step);
    });
    // Without this listener a worker's uncaught exception would be rethrown here and end the process.
    worker.on('error', (err) => this.opts.log.error({ thread: index, err }, 'handshake worker failed'));
    worker.on('exit', (code) => {
      thread.exited = true;
      const failure = new Error(`handshake worker exited (code ${code})`);
      const failedSteps = thread.pending.size;
      for (const waiter of thread.pending.values()) waiter.reject(failure);
      thread.pending.clear();
      if (this.closing || this.threads[index] !== thread) return;
      const delayMs = Date.now() - thread.startedAt < EARLY_EXIT_MS ? (this.opts.earlyExitRespawnDelayMs ?? RESPAWN_DELAY_MS) : 0;
      this.opts.log.warn({ thread: index, code, failedSteps, delayMs }, 'handshake worker exited; starting a new one');
      const respawn = () => {
        if (!this.closing && this.threads[index] === thread) this.threads[index] = this.spawn(index, generation + 1);
      };
      if (delayMs === 0) respawn();
      else setTimeout(respawn, delayMs).unref();
    });
    // An idle thread does not keep the process alive (a step in progress does); close() ends them.
    worker.unref();
    return thread;
  }

  open(): HandshakeSlot {
    // Least slots first: one connection's whole exchange stays on one thread.
    let best = 0;
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i]!.slots < this.threads[best]!.slots) best = i;
    const thread = this.threads[best]!;
    thread.slots++;
    return new PoolSlot(best, thread.generation);
  }

  step(slot: HandshakeSlot, _request: TlObject, body: Buffer): Promise<EncodedHandshakeStep> {
    const s = slot as PoolSlot;
    const thread = this.threads[s.thread]!;
    if (this.closing) return Promise.reject(new Error('handshake pool closed'));
    if (thread.generation !== s.generation || thread.exited) return Promise.reject(new Error('handshake worker restarted during this exchange'));
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(job, { resolve, reject });
      thread.worker.postMessage({ kind: 'step', job, slot: s.id, body } satisfies PoolRequest);
    });
  }

  release(slot: HandshakeSlot): void {
    const s = slot as PoolSlot;
    const thread = this.threads[s.thread];
    if (!thread || thread.generation !== s.generation || this.closing) return;
    thread.slots--;
    thread.worker.postMessage({ kind: 'forget', slot: s.id } satisfies PoolRequest);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
