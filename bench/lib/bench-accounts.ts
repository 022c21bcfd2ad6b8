// Accounts for load tests: each virtual user gets an auth key, signs up with the fixed login code and
// keeps what it needs to come back (key, salt, user id) in a cache file, so later runs against the
// same data dir skip the expensive part (a handshake costs ~10 ms of CPU on each side).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { EchoClient } from '../../src/client/mtproto-client.js';
import { ClientSession } from '../../src/client/client-session.js';
import type { DhServer } from '../../src/mtproto/crypto/dh.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';
import { randomBytes } from 'node:crypto';
import type { TlObject } from '../../src/tl/index.js';

export interface BenchAccount {
  index: number;
  phone: string;
  userId: string;
  authKey: string;
  salt: string;
}

export interface BenchTarget {
  port: number;
  publicKey: RsaPublicKey & { fingerprint: bigint };
  fixedCode: string;
}

/** Distinct US numbers in a range libphonenumber accepts as valid. */
export function benchPhone(index: number): string {
  return `1212${String(5_000_000 + index).padStart(7, '0')}`;
}

/** Spreads connections over loopback source addresses, so per-address limits (sign-ups, handshakes) see many clients. */
export function sourceAddress(index: number): string {
  const n = Math.floor(index / 8) + 2;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

const apiFields = { apiId: 1, apiHash: 'echo-bench' };

async function signUp(client: EchoClient, index: number, fixedCode: string): Promise<bigint> {
  const phone = benchPhone(index);
  const sent = (await client.invoke({ _: 'auth.sendCode', phoneNumber: phone, ...apiFields, settings: { _: 'codeSettings' } } as TlObject)) as { phoneCodeHash: string };
  let auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: fixedCode } as TlObject)) as { _: string; user?: { id: bigint } };
  if (auth._ === 'auth.authorizationSignUpRequired') {
    auth = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName: `Bench${index}`, lastName: '' } as TlObject)) as typeof auth;
  }
  if (!auth.user) throw new Error(`sign-up of ${phone} gave ${auth._}`);
  return auth.user.id;
}

/** Connects account `index`, reusing its cached key when there is one. */
export async function connectAccount(target: BenchTarget, index: number, cached: BenchAccount | undefined, dh: DhServer): Promise<{ client: EchoClient; account: BenchAccount }> {
  const client = await EchoClient.open({ host: '127.0.0.1', port: target.port, transport: 'intermediate', localAddress: sourceAddress(index) });
  if (cached) {
    client.useSession(new ClientSession(Buffer.from(cached.authKey, 'hex'), BigInt(cached.salt), (n) => randomBytes(n), Date.now));
    // One call settles the salt (bad_server_salt is retried inside invoke) and announces the layer.
    await client.invoke({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'bench', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query: { _: 'updates.getState' } } } as TlObject);
    return { client, account: cached };
  }
  const session = await client.createAuthKey(target.publicKey, { dh });
  await client.invoke({ _: 'invokeWithLayer', layer: 228, query: { _: 'initConnection', apiId: 1, deviceModel: 'bench', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query: { _: 'help.getConfig' } } } as TlObject);
  const userId = await signUp(client, index, target.fixedCode);
  return { client, account: { index, phone: benchPhone(index), userId: userId.toString(), authKey: session.authKey.key.toString('hex'), salt: session.salt.toString() } };
}

export function loadAccounts(file: string): Map<number, BenchAccount> {
  if (!existsSync(file)) return new Map();
  const list = JSON.parse(readFileSync(file, 'utf8')) as BenchAccount[];
  return new Map(list.map((a) => [a.index, a]));
}

export function saveAccounts(file: string, accounts: Iterable<BenchAccount>): void {
  writeFileSync(file, JSON.stringify([...accounts].sort((a, b) => a.index - b.index)));
}
