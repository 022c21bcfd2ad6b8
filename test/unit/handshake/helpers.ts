// Shared set-up for the handshake tests: one RSA key and one native DH object per test file (each file runs in its
// own process), deterministic randomness, and a hand-driven "manual client" that can break any rule on purpose.
import { createHash } from 'node:crypto';
import { ClientHandshake, type ClientHandshakeOptions, type ClientStep } from '../../../src/mtproto/handshake/client-handshake.js';
import { encryptWithHash, tmpAesKeyIv } from '../../../src/mtproto/handshake/handshake-crypto.js';
import { ServerHandshake, type HandshakeStep, type ServerHandshakeOptions } from '../../../src/mtproto/handshake/server-handshake.js';
import { DhServer } from '../../../src/mtproto/crypto/dh.js';
import { aesIgeEncrypt } from '../../../src/mtproto/crypto/ige.js';
import { factorizePq } from '../../../src/mtproto/crypto/pq.js';
import { encryptInnerDataLegacy, encryptInnerDataRsaPad, generateRsaKeyPair, loadRsaKey, type ServerRsaKey } from '../../../src/mtproto/crypto/rsa.js';
import { decodeObject, encodeObject, type Obj, type Req, type TlObject } from '../../../src/tl/index.js';

export type RandomFn = (n: number) => Buffer;

export function seededRandom(seed: string): RandomFn {
  let counter = 0;
  return (n: number) => {
    const out = Buffer.alloc(n);
    for (let off = 0; off < n; off += 32) {
      createHash('sha256').update(`${seed}:${counter++}`).digest().copy(out, off, 0, Math.min(32, n - off));
    }
    return out;
  };
}

/**
 * Randomness that hands out the given buffers in order (each must be requested with its exact length). A number n
 * stands for one n-byte draw from `fallback`; `{ any: n }` serves every consecutive n-byte request from `fallback`
 * (for retry loops such as RSA_PAD's temp_key). Once the script is used up, everything comes from `fallback`.
 */
export function scriptedRandom(script: (Buffer | number | { any: number })[], fallback: RandomFn): RandomFn & { pending(): number } {
  const queue = [...script];
  const fn = (n: number): Buffer => {
    let next = queue[0];
    if (next !== undefined && typeof next === 'object' && !Buffer.isBuffer(next)) {
      if (n === next.any) return fallback(n);
      queue.shift();
      next = queue[0];
    }
    if (next === undefined) return fallback(n);
    queue.shift();
    const size = typeof next === 'number' ? next : (next as Buffer).length;
    if (size !== n) throw new Error(`scripted random: asked for ${n} bytes, script has ${size}`);
    return typeof next === 'number' ? fallback(n) : Buffer.from(next as Buffer);
  };
  return Object.assign(fn, { pending: () => queue.length });
}

export const RSA_KEY: ServerRsaKey = loadRsaKey(generateRsaKeyPair().privatePem);
export const DH = new DhServer();
export const DC_ID = 2;
export const NOW = 1_707_425_105_000;

export function makeServer(overrides: Partial<ServerHandshakeOptions> = {}): ServerHandshake {
  return new ServerHandshake({ rsaKeys: [RSA_KEY], dh: DH, random: seededRandom('server'), now: () => NOW, dcId: DC_ID, ...overrides });
}

export function makeClient(overrides: Partial<ClientHandshakeOptions> = {}): ClientHandshake {
  return new ClientHandshake({
    publicKey: RSA_KEY,
    random: seededRandom('client'),
    now: () => NOW,
    dcId: DC_ID,
    padding: 'rsa_pad',
    innerData: 'plain',
    dh: DH,
    ...overrides,
  });
}

/** Every object crosses the wire as bytes, so each message is re-decoded as the real peer would see it. */
export function wire<T extends TlObject>(obj: T): T {
  return decodeObject(encodeObject(obj)) as T;
}

export interface Exchange {
  server: HandshakeStep[];
  client: ClientStep[];
}

/** Runs client and server against each other until one side finishes or fails. */
export function runHandshake(server: ServerHandshake, client: ClientHandshake): Exchange {
  const log: Exchange = { server: [], client: [] };
  let request: TlObject | undefined = client.start();
  for (let i = 0; i < 10 && request; i++) {
    const s = server.handle(wire(request));
    log.server.push(s);
    if (s.error || !s.reply) break;
    const c = client.handle(wire(s.reply));
    log.client.push(c);
    if (c.error || c.completed) break;
    request = c.request;
  }
  return log;
}

export const last = <T>(xs: T[]): T => xs[xs.length - 1]!;

type InnerVariant = 'p_q_inner_data' | 'p_q_inner_data_dc' | 'p_q_inner_data_temp' | 'p_q_inner_data_temp_dc';

/** A req_DH_params built by hand from resPQ, with any inner or outer field overridden. */
export function craftReqDhParams(
  res: Obj<'resPQ'>,
  opts: {
    variant?: InnerVariant;
    inner?: Record<string, unknown>;
    outer?: Partial<Req<'req_DH_params'>>;
    padding?: 'rsa_pad' | 'legacy';
    random?: RandomFn;
  } = {},
): { request: Req<'req_DH_params'>; newNonce: Buffer } {
  const random = opts.random ?? seededRandom('crafted');
  const { p, q } = factorizePq(res.pq);
  const newNonce = random(32);
  const variant = opts.variant ?? 'p_q_inner_data';
  const inner = {
    _: variant,
    pq: res.pq,
    p,
    q,
    nonce: res.nonce,
    serverNonce: res.serverNonce,
    newNonce,
    ...(variant.endsWith('_dc') ? { dc: DC_ID } : {}),
    ...(variant.includes('temp') ? { expiresIn: 3600 } : {}),
    ...opts.inner,
  } as TlObject;
  const data = encodeObject(inner);
  const encryptedData = (opts.padding ?? 'rsa_pad') === 'rsa_pad' ? encryptInnerDataRsaPad(RSA_KEY, data, random) : encryptInnerDataLegacy(RSA_KEY, data, random);
  const request: Req<'req_DH_params'> = {
    _: 'req_DH_params',
    nonce: res.nonce,
    serverNonce: res.serverNonce,
    p,
    q,
    publicKeyFingerprint: RSA_KEY.fingerprint,
    encryptedData,
    ...opts.outer,
  };
  return { request, newNonce: (inner as unknown as { newNonce: Buffer }).newNonce };
}

/** A set_client_DH_params built by hand: any g_b and retry_id, optionally with a wrong SHA1 over the inner data. */
export function craftSetClientDhParams(
  nonce: Buffer,
  serverNonce: Buffer,
  newNonce: Buffer,
  opts: { gB: Buffer; retryId?: bigint; innerNonce?: Buffer; corruptHash?: boolean; inner?: TlObject },
): Req<'set_client_DH_params'> {
  const keyIv = tmpAesKeyIv(newNonce, serverNonce);
  const inner = opts.inner ?? { _: 'client_DH_inner_data', nonce: opts.innerNonce ?? nonce, serverNonce, retryId: opts.retryId ?? 0n, gB: opts.gB };
  const data = encodeObject(inner);
  let encryptedData: Buffer;
  if (opts.corruptHash) {
    // Same framing as encryptWithHash, but the hash covers other bytes.
    const wrongHash = createHash('sha1').update(Buffer.concat([data, Buffer.of(1)])).digest();
    const body = Buffer.concat([wrongHash, data]);
    const padded = Buffer.concat([body, Buffer.alloc((16 - (body.length % 16)) % 16)]);
    encryptedData = aesIgeEncrypt(padded, keyIv.key, keyIv.iv);
  } else {
    encryptedData = encryptWithHash(data, keyIv, seededRandom('pad'));
  }
  return { _: 'set_client_DH_params', nonce, serverNonce, encryptedData };
}

