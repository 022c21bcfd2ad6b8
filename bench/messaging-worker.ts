// One load-generator thread of bench/messaging.ts. Owns a contiguous range of virtual users, paired
// (2k, 2k+1); on command it sends private messages at a fixed rate and measures, for each message, the
// time from the send to the partner receiving the update (both ends live in this thread: one clock).
import { parentPort, workerData } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { DhServer } from '../src/mtproto/crypto/dh.js';
import type { EchoClient, ClientEvent } from '../src/client/mtproto-client.js';
import type { TlObject } from '../src/tl/index.js';
import { connectAccount, type BenchAccount, type BenchTarget } from './lib/bench-accounts.js';

interface Setup {
  /** Several nodes: user i connects to ports[i % ports.length] (pairs (2k, 2k+1) land on different nodes). */
  target: { port: number; ports?: number[]; publicKey: { n: Uint8Array; e: Uint8Array; fingerprint: bigint }; fixedCode: string };
  from: number;
  to: number;
  cached: BenchAccount[];
  connectConcurrency: number;
  /** Each message's text is padded to this many characters (ASCII, so as many bytes) when it is longer than its id. */
  messageBytes: number;
}

interface VirtualUser {
  client: EchoClient;
  account: BenchAccount;
  partner?: { userId: bigint; accessHash: bigint };
}

const setup = workerData as Setup;
const target: BenchTarget = {
  port: setup.target.port,
  fixedCode: setup.target.fixedCode,
  publicKey: { n: Buffer.from(setup.target.publicKey.n), e: Buffer.from(setup.target.publicKey.e), fingerprint: setup.target.publicKey.fingerprint },
};
const cached = new Map(setup.cached.map((a) => [a.index, a]));
const dh = new DhServer();
const users: VirtualUser[] = [];
const sentAt = new Map<string, number>();
let latencies: number[] = [];
let received = 0;
/** When the last of the current rate's messages arrived. */
let lastDeliveryAt = 0;

function onEvent(event: ClientEvent): boolean {
  if (event.type !== 'message') return false;
  const body = event.message.body as TlObject & Record<string, any>;
  const texts: string[] = [];
  if (body._ === 'updateShortMessage') texts.push(body.message as string);
  else if (body._ === 'updates' || body._ === 'updatesCombined') {
    for (const u of body.updates as (TlObject & Record<string, any>)[]) if (u._ === 'updateNewMessage' && !u.message.out) texts.push(u.message.message as string);
  } else if (body._ === 'updateShort' && body.update._ === 'updateNewMessage' && !body.update.message.out) texts.push(body.update.message.message as string);
  else return body._ === 'updateShortSentMessage' || body._ === 'msgs_ack' || body._ === 'pong';
  const now = performance.now();
  for (const text of texts) {
    const t = sentAt.get(text);
    if (t === undefined) continue;
    sentAt.delete(text);
    latencies.push(now - t);
    received++;
    lastDeliveryAt = now;
  }
  return texts.length > 0;
}

async function connectAll(): Promise<void> {
  let next = setup.from;
  const fresh: BenchAccount[] = [];
  async function lane(): Promise<void> {
    while (next < setup.to) {
      const index = next++;
      const ports = setup.target.ports;
      const { client, account } = await connectAccount(ports ? { ...target, port: ports[index % ports.length]! } : target, index, cached.get(index), dh);
      if (!cached.has(index)) fresh.push(account);
      users[index - setup.from] = { client, account };
    }
  }
  await Promise.all(Array.from({ length: setup.connectConcurrency }, lane));
  // Each user learns its partner's access hash the way a client does: by importing the phone number.
  for (let i = 0; i + 1 < users.length; i += 2) {
    for (const [me, other] of [[users[i]!, users[i + 1]!], [users[i + 1]!, users[i]!]] as const) {
      const imported = (await me.client.invoke({
        _: 'contacts.importContacts',
        contacts: [{ _: 'inputPhoneContact', clientId: 1n, phone: other.account.phone, firstName: 'Peer', lastName: '' }],
      } as TlObject)) as { users: { id: bigint; accessHash: bigint }[] };
      const user = imported.users.find((u) => u.id === BigInt(other.account.userId));
      if (!user) throw new Error(`contacts.importContacts did not find ${other.account.phone}`);
      me.partner = { userId: user.id, accessHash: user.accessHash };
    }
  }
  for (const u of users) u.client.listener = onEvent;
  parentPort!.postMessage({ type: 'connected', fresh });
}

async function runRate(ratePerSecond: number, durationMs: number): Promise<void> {
  latencies = [];
  received = 0;
  const senders = users.filter((u) => u.partner);
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  let sent = 0;
  let errors = 0;
  let seq = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor(elapsed / intervalMs), Math.floor(durationMs / intervalMs));
      while (sent < due) {
        const u = senders[sent % senders.length]!;
        const id = `b${setup.from}:${seq++}`;
        const text = id.length < setup.messageBytes ? id + '.'.repeat(setup.messageBytes - id.length) : id;
        sentAt.set(text, performance.now());
        u.client
          .invoke({ _: 'messages.sendMessage', peer: { _: 'inputPeerUser', userId: u.partner!.userId, accessHash: u.partner!.accessHash }, message: text, randomId: randomBytes(8).readBigInt64LE(0) } as TlObject, 30_000)
          .catch(() => errors++);
        sent++;
      }
      if (elapsed >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Let the last messages arrive (bounded).
  const drainUntil = performance.now() + 3000;
  while (sentAt.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  // What was delivered took the sending time, or longer when the last ones arrived during the drain.
  const spanMs = Math.max(durationMs, lastDeliveryAt - start);
  parentPort!.postMessage({ type: 'rate', sent, received, errors, lost: sentAt.size, latencies, spanMs });
  sentAt.clear();
}

parentPort!.on('message', (cmd: { type: string; rate?: number; durationMs?: number }) => {
  if (cmd.type === 'rate') void runRate(cmd.rate!, cmd.durationMs!);
  if (cmd.type === 'close') {
    for (const u of users) u.client.close();
    parentPort!.postMessage({ type: 'closed' });
  }
});

connectAll().catch((err: Error) => parentPort!.postMessage({ type: 'error', message: err.stack ?? err.message }));
