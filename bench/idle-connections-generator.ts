// One load-generator process of bench/idle-connections.ts (a child process, not a thread: the open-file limit
// is per process, so each generator holds at most ~19,900 sockets). Driven over IPC in two steps:
//   keys: creates its share of auth keys by DH and signs each in as a user of its own, then closes
//         those connections (the server's baseline is measured after this);
//   open: opens its share of idle connections, each a new MTProto session on one of those keys (key j % keys)
//         from its own loopback source address, announces the layer and calls updates.getState (an answer proves
//         the key is signed in and subscribes the session), then stays silent; pushes are read and dropped.
// status reports how many are still open; close ends them and exits.
import { randomBytes } from 'node:crypto';
import { EchoClient, type ClientEvent } from '../src/client/mtproto-client.js';
import { ClientSession } from '../src/client/client-session.js';
import { DhServer } from '../src/mtproto/crypto/dh.js';
import type { TlObject } from '../src/tl/index.js';

export interface GeneratorSetup {
  index: number;
  /** One TCP port per echod node; connection j goes to node (j + index) % ports.length. */
  ports: number[];
  publicKey: { n: string; e: string; fingerprint: string };
  fixedCode: string;
  /** Phone number of this generator's key k: 1212 followed by 7 digits from phoneBase + k. */
  phoneBase: number;
  keys: number;
  connections: number;
  /** First source-address index of this generator and connections per source address. */
  addressBase: number;
  perAddress: number;
  concurrency: number;
}

export type GeneratorCommand = { type: 'setup'; setup: GeneratorSetup } | { type: 'keys' } | { type: 'open' } | { type: 'status' } | { type: 'close' };

export type GeneratorReport =
  | { type: 'keys'; created: number; seconds: number }
  | { type: 'progress'; opened: number; failed: number }
  | { type: 'opened'; opened: number; failed: number; failures: Record<string, number>; seconds: number }
  | { type: 'status'; open: number; closedByServer: number }
  | { type: 'error'; message: string };

interface Key {
  authKey: Buffer;
  salt: bigint;
}

let setup: GeneratorSetup;
const keys: Key[] = [];
const clients: EchoClient[] = [];
let closedByServer = 0;
let closing = false;
const send = (r: GeneratorReport) => process.send!(r);

/** Loopback source address number `a`: 127.0.1.1, 127.0.1.2, ... 250 per third octet. */
export function idleSourceAddress(a: number): string {
  return `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
}

const layerWrap = (query: TlObject) =>
  ({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'bench-idle', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;

async function createKeys(): Promise<void> {
  const started = performance.now();
  const publicKey = { n: Buffer.from(setup.publicKey.n, 'hex'), e: Buffer.from(setup.publicKey.e, 'hex'), fingerprint: BigInt(setup.publicKey.fingerprint) };
  const dh = new DhServer();
  let next = 0;
  async function lane(): Promise<void> {
    while (next < setup.keys) {
      const k = next++;
      // Key-creating connections come from 127.200.<generator>.x, 20 per address (closed right after): the
      // sign-in flood limit allows 30 auth.sendCode per address per window.
      const client = await EchoClient.open({ host: '127.0.0.1', port: setup.ports[k % setup.ports.length]!, transport: 'intermediate', localAddress: `127.200.${setup.index}.${1 + Math.floor(k / 20)}` });
      try {
        const session = await client.createAuthKey(publicKey, { dh });
        await client.invoke(layerWrap({ _: 'help.getConfig' } as TlObject), 60_000);
        const phone = `1212${String(setup.phoneBase + k).padStart(7, '0')}`;
        const apiFields = { apiId: 1, apiHash: 'echo-bench' };
        const sent = (await client.invoke({ _: 'auth.sendCode', phoneNumber: phone, ...apiFields, settings: { _: 'codeSettings' } } as TlObject, 60_000)) as { phoneCodeHash: string };
        let auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: setup.fixedCode } as TlObject, 60_000)) as { _: string; user?: unknown };
        if (auth._ === 'auth.authorizationSignUpRequired') {
          auth = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName: `Idle${k}`, lastName: '' } as TlObject, 60_000)) as typeof auth;
        }
        if (!auth.user) throw new Error(`sign-in of ${phone} gave ${auth._}`);
        keys[k] = { authKey: Buffer.from(session.authKey.key), salt: session.salt };
      } finally {
        client.close();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, setup.keys) }, lane));
  send({ type: 'keys', created: keys.length, seconds: (performance.now() - started) / 1000 });
}

/** Drops everything an idle client is sent (pushes, acks, pongs); counts a close the bench did not ask for. */
function idleListener(event: ClientEvent): boolean {
  if (event.type === 'closed' && !closing) closedByServer++;
  return true;
}

async function openConnections(): Promise<void> {
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const progress = setInterval(() => send({ type: 'progress', opened, failed }), 5000);
  async function lane(): Promise<void> {
    while (next < setup.connections) {
      const j = next++;
      const key = keys[j % keys.length]!;
      let client: EchoClient | undefined;
      try {
        client = await EchoClient.open({
          host: '127.0.0.1',
          port: setup.ports[(j + setup.index) % setup.ports.length]!,
          transport: 'intermediate',
          localAddress: idleSourceAddress(setup.addressBase + Math.floor(j / setup.perAddress)),
        });
        // A fresh session id on a shared key: one more device session of that user.
        client.useSession(new ClientSession(key.authKey, key.salt, (n) => randomBytes(n), Date.now));
        await client.invoke(layerWrap({ _: 'updates.getState' } as TlObject), 120_000);
        // The salt the server settled on saves the next session on this key a bad_server_salt round trip.
        key.salt = client.session!.salt;
        client.listener = idleListener;
        clients.push(client);
        opened++;
      } catch (err) {
        client?.close();
        failed++;
        const reason = (err as Error).message.replace(/\d+/g, 'N');
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: setup.concurrency }, lane));
  clearInterval(progress);
  send({ type: 'opened', opened, failed, failures, seconds: (performance.now() - started) / 1000 });
}

process.on('message', (cmd: GeneratorCommand) => {
  const run = async () => {
    if (cmd.type === 'setup') setup = cmd.setup;
    else if (cmd.type === 'keys') await createKeys();
    else if (cmd.type === 'open') await openConnections();
    else if (cmd.type === 'status') send({ type: 'status', open: clients.filter((c) => !c.closed).length, closedByServer });
    else if (cmd.type === 'close') {
      closing = true;
      for (const c of clients) c.close();
      process.disconnect();
    }
  };
  run().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
