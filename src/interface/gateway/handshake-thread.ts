// What one thread of the HandshakePool (handshake-runner.ts) does: holds the ServerHandshake of each connection
// the pool assigned to it and runs its steps. It sees only unencrypted handshake messages and the server's RSA
// keys, never the database: the main thread stores the finished key before the client learns of it.
import { randomBytes } from 'node:crypto';
import { DhServer } from '../../mtproto/crypto/dh.js';
import { loadRsaKey } from '../../mtproto/crypto/rsa.js';
import { ServerHandshake } from '../../mtproto/handshake/server-handshake.js';
import { decodeObject, encodeObject } from '../../tl/index.js';
import type { EncodedHandshakeStep, PoolAnswer, PoolRequest, PoolWorkerData } from './handshake-runner.js';

interface SlotState {
  handshake: ServerHandshake;
  touched: number;
}

/** The thread's whole behaviour: one answer per step request, nothing for `forget`. */
export function handshakeThread(data: PoolWorkerData): (msg: PoolRequest) => PoolAnswer | undefined {
  const rsaKeys = data.privatePems.map((pem) => loadRsaKey(pem));
  const dh = new DhServer();
  const random = (n: number) => randomBytes(n);
  const now = () => Date.now();
  const slots = new Map<number, SlotState>();

  function run(slot: number, body: Uint8Array): EncodedHandshakeStep {
    let entry = slots.get(slot);
    if (!entry) {
      entry = { handshake: new ServerHandshake({ rsaKeys, dh, random, now, dcId: data.dcId }), touched: 0 };
      slots.set(slot, entry);
    }
    entry.touched = now();
    let step;
    try {
      step = entry.handshake.handle(decodeObject(Buffer.from(body.buffer, body.byteOffset, body.byteLength)));
    } catch (err) {
      slots.delete(slot);
      return { error: `handshake step failed: ${(err as Error).message}`, transportError: -404 };
    }
    const out: EncodedHandshakeStep = {};
    if (step.reply) out.reply = encodeObject(step.reply);
    if (step.completed) out.completed = step.completed;
    if (step.error !== undefined) out.error = step.error;
    if (step.transportError !== undefined) out.transportError = step.transportError;
    // A failed exchange leaves nothing worth keeping; a new req_pq on the connection starts afresh anyway.
    if (step.error !== undefined) slots.delete(slot);
    return out;
  }

  // HTTP exchanges never say goodbye: their slots age out.
  setInterval(() => {
    const cutoff = now() - data.idleSlotMs;
    for (const [slot, entry] of slots) if (entry.touched < cutoff) slots.delete(slot);
  }, Math.min(data.idleSlotMs, 60_000)).unref();

  return (msg) => {
    if (msg.kind === 'forget') {
      slots.delete(msg.slot);
      return undefined;
    }
    return { job: msg.job, step: run(msg.slot, msg.body) };
  };
}
