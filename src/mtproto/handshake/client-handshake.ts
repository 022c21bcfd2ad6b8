// Client side of auth key creation, for tests and the benchmark load generator. It checks the server's answers the
// way a careful client does (Android's Handshake.cpp, TDLib): nonces, the SHA1 of server_DH_inner_data, the DH prime
// and generator, the range of g_a, and new_nonce_hash1/2/3, so that it can serve as an oracle for the server.
import { checkPrimeSync } from 'node:crypto';
import { encodeObject, type Obj, type Req, type TlObject } from '../../tl/index.js';
import { makeAuthKey } from '../crypto/auth-key.js';
import { DH_G, DH_PRIME, isGoodDhValue, type DhServer } from '../crypto/dh.js';
import type { RandomFn } from '../crypto/errors.js';
import { factorizePq } from '../crypto/pq.js';
import { encryptInnerDataLegacy, encryptInnerDataRsaPad, type RsaPublicKey } from '../crypto/rsa.js';
import {
  bigIntToBytes,
  bytesToBigInt,
  decryptWithHash,
  encryptWithHash,
  initialServerSalt,
  modPow,
  newNonceHash,
  retryIdOf,
  tmpAesKeyIv,
  type TmpAesKeyIv,
} from './handshake-crypto.js';

const TEST_DC_OFFSET = 10000;

export interface ClientHandshakeOptions {
  publicKey: RsaPublicKey & { fingerprint: bigint };
  random: RandomFn;
  /** Milliseconds since the epoch. */
  now: () => number;
  dcId: number;
  padding: 'rsa_pad' | 'legacy';
  innerData: 'plain' | 'dc' | 'temp' | 'temp_dc';
  /** Temp key lifetime in seconds (temp variants only; default one day). */
  expiresIn?: number;
  /** Announce a media DC (negative dc) in the _dc variants. */
  media?: boolean;
  /** Announce a test DC (dc + 10000) in the _dc variants. */
  testMode?: boolean;
  /** Start with the old req_pq instead of req_pq_multi. */
  legacyReqPq?: boolean;
  /** Native DH object, used for speed when the server offers DH_PRIME with DH_G (the load generator). */
  dh?: DhServer;
}

export interface ClientAuthKey {
  authKey: Buffer;
  authKeyId: bigint;
  serverSalt: bigint;
  /** server_time minus the local clock, seconds. */
  timeOffset: number;
}

export interface ClientStep {
  request?: TlObject;
  completed?: ClientAuthKey;
  error?: string;
}

/** Quadratic residue conditions on p for each allowed g (core.telegram.org/mtproto/auth_key, step 6). */
function generatorMatchesPrime(g: number, p: bigint): boolean {
  switch (g) {
    case 2:
      return p % 8n === 7n;
    case 3:
      return p % 3n === 2n;
    case 4:
      return true;
    case 5: {
      const r = p % 5n;
      return r === 1n || r === 4n;
    }
    case 6: {
      const r = p % 24n;
      return r === 19n || r === 23n;
    }
    case 7: {
      const r = p % 7n;
      return r === 3n || r === 5n || r === 6n;
    }
    default:
      return false;
  }
}

const KNOWN_PRIME = bytesToBigInt(DH_PRIME);
const PRIME_LOW = 1n << 2047n;
const PRIME_HIGH = 1n << 2048n;

/**
 * The client-side check of (g, dh_prime): a 2048-bit safe prime and g generating the subgroup of order (p-1)/2.
 * The well-known Telegram prime skips the primality tests (as real clients cache it).
 */
export function isGoodDhPrime(prime: Uint8Array | bigint, g: number): boolean {
  const p = typeof prime === 'bigint' ? prime : bytesToBigInt(prime);
  if (!(p > PRIME_LOW && p < PRIME_HIGH)) return false;
  if (!generatorMatchesPrime(g, p)) return false;
  if (p === KNOWN_PRIME) return true;
  return checkPrimeSync(p, { checks: 30 }) && checkPrimeSync((p - 1n) / 2n, { checks: 30 });
}

type State =
  | { stage: 'init' }
  | { stage: 'pq'; nonce: Buffer }
  | { stage: 'dh'; nonce: Buffer; serverNonce: Buffer; newNonce: Buffer; keyIv: TmpAesKeyIv }
  | {
      stage: 'gen';
      nonce: Buffer;
      serverNonce: Buffer;
      newNonce: Buffer;
      keyIv: TmpAesKeyIv;
      g: number;
      prime: bigint;
      gA: bigint;
      authKey: Buffer;
      timeOffset: number;
    }
  | { stage: 'done' };

export class ClientHandshake {
  private state: State = { stage: 'init' };

  constructor(private readonly opts: ClientHandshakeOptions) {}

  start(): TlObject {
    if (this.state.stage !== 'init') throw new Error('ClientHandshake.start() called twice');
    const nonce = this.opts.random(16);
    this.state = { stage: 'pq', nonce };
    return { _: this.opts.legacyReqPq ? 'req_pq' : 'req_pq_multi', nonce };
  }

  handle(reply: TlObject): ClientStep {
    const s = this.state;
    const step = this.dispatch(reply, s);
    if (step.error) this.state = { stage: 'done' };
    return step;
  }

  private dispatch(reply: TlObject, s: State): ClientStep {
    switch (s.stage) {
      case 'pq':
        if (reply._ !== 'resPQ') return { error: `expected resPQ, got ${reply._}` };
        return this.onResPq(reply as Obj<'resPQ'>, s);
      case 'dh':
        if (reply._ === 'server_DH_params_fail') return { error: 'server answered server_DH_params_fail' };
        if (reply._ !== 'server_DH_params_ok') return { error: `expected server_DH_params_ok, got ${reply._}` };
        return this.onServerDhParams(reply as Obj<'server_DH_params_ok'>, s);
      case 'gen':
        return this.onDhGen(reply, s);
      default:
        return { error: `unexpected ${reply._}: the exchange is ${s.stage === 'init' ? 'not started' : 'over'}` };
    }
  }

  private innerData(pq: Buffer, p: Buffer, q: Buffer, nonce: Buffer, serverNonce: Buffer, newNonce: Buffer): TlObject {
    const { innerData, dcId, media, testMode } = this.opts;
    const dc = (dcId + (testMode ? TEST_DC_OFFSET : 0)) * (media ? -1 : 1);
    const expiresIn = this.opts.expiresIn ?? 24 * 60 * 60;
    const base = { pq, p, q, nonce, serverNonce, newNonce };
    switch (innerData) {
      case 'plain':
        return { _: 'p_q_inner_data', ...base } satisfies Obj<'p_q_inner_data'>;
      case 'dc':
        return { _: 'p_q_inner_data_dc', ...base, dc } satisfies Obj<'p_q_inner_data_dc'>;
      case 'temp':
        return { _: 'p_q_inner_data_temp', ...base, expiresIn } satisfies Obj<'p_q_inner_data_temp'>;
      case 'temp_dc':
        return { _: 'p_q_inner_data_temp_dc', ...base, dc, expiresIn } satisfies Obj<'p_q_inner_data_temp_dc'>;
    }
  }

  private onResPq(res: Obj<'resPQ'>, s: { nonce: Buffer }): ClientStep {
    if (!res.nonce.equals(s.nonce)) return { error: 'resPQ nonce does not match' };
    if (res.serverNonce.length !== 16) return { error: 'resPQ server_nonce is not 16 bytes' };
    const key = this.opts.publicKey;
    if (!res.serverPublicKeyFingerprints.includes(key.fingerprint)) return { error: 'resPQ lists none of our public key fingerprints' };
    if (res.pq.length === 0 || res.pq.length > 8) return { error: `resPQ pq is ${res.pq.length} bytes` };
    let factors: { p: Buffer; q: Buffer };
    try {
      factors = factorizePq(res.pq);
    } catch (err) {
      return { error: `resPQ pq: ${(err as Error).message}` };
    }
    const newNonce = this.opts.random(32);
    const data = encodeObject(this.innerData(res.pq, factors.p, factors.q, s.nonce, res.serverNonce, newNonce));
    const encryptedData =
      this.opts.padding === 'rsa_pad' ? encryptInnerDataRsaPad(key, data, this.opts.random) : encryptInnerDataLegacy(key, data, this.opts.random);
    this.state = { stage: 'dh', nonce: s.nonce, serverNonce: res.serverNonce, newNonce, keyIv: tmpAesKeyIv(newNonce, res.serverNonce) };
    return {
      request: {
        _: 'req_DH_params',
        nonce: s.nonce,
        serverNonce: res.serverNonce,
        p: factors.p,
        q: factors.q,
        publicKeyFingerprint: key.fingerprint,
        encryptedData,
      } satisfies Req<'req_DH_params'>,
    };
  }

  private onServerDhParams(res: Obj<'server_DH_params_ok'>, s: Extract<State, { stage: 'dh' }>): ClientStep {
    if (!res.nonce.equals(s.nonce)) return { error: 'server_DH_params_ok nonce does not match' };
    if (!res.serverNonce.equals(s.serverNonce)) return { error: 'server_DH_params_ok server_nonce does not match' };
    const decrypted = decryptWithHash(res.encryptedAnswer, s.keyIv);
    if (!decrypted.ok) return { error: `server_DH_inner_data: ${decrypted.reason}` };
    if (decrypted.object._ !== 'server_DH_inner_data') return { error: `encrypted_answer holds ${decrypted.object._}` };
    const inner = decrypted.object as Obj<'server_DH_inner_data'>;
    if (!inner.nonce.equals(s.nonce)) return { error: 'server_DH_inner_data nonce does not match' };
    if (!inner.serverNonce.equals(s.serverNonce)) return { error: 'server_DH_inner_data server_nonce does not match' };
    if (inner.dhPrime.length > 256 || !isGoodDhPrime(inner.dhPrime, inner.g)) return { error: 'server_DH_inner_data dh_prime/g is not a good safe prime and generator' };
    const prime = bytesToBigInt(inner.dhPrime);
    if (inner.gA.length > 256 || !isGoodDhValue(inner.gA, prime)) return { error: 'server_DH_inner_data g_a is outside the safe range' };
    const timeOffset = inner.serverTime - Math.floor(this.opts.now() / 1000);
    const gen = { ...s, stage: 'gen' as const, g: inner.g, prime, gA: bytesToBigInt(inner.gA), authKey: Buffer.alloc(0), timeOffset };
    return this.sendClientDh(gen, 0n);
  }

  /** Draws b, computes g_b and the auth key, and builds set_client_DH_params (first try or after dh_gen_retry). */
  private sendClientDh(s: Extract<State, { stage: 'gen' }>, retryId: bigint): ClientStep {
    let gB: Buffer;
    let authKey: Buffer;
    for (;;) {
      const b = this.opts.random(256);
      const native = this.opts.dh && s.g === DH_G && s.prime === KNOWN_PRIME ? this.opts.dh : undefined;
      if (native) {
        gB = native.createExchange(b);
        if (!isGoodDhValue(gB, s.prime)) continue;
        authKey = native.computeKey(b, bigIntToBytes(s.gA, 256));
      } else {
        const exp = bytesToBigInt(b);
        gB = bigIntToBytes(modPow(BigInt(s.g), exp, s.prime), 256);
        if (!isGoodDhValue(gB, s.prime)) continue;
        authKey = bigIntToBytes(modPow(s.gA, exp, s.prime), 256);
      }
      break;
    }
    const data = encodeObject({ _: 'client_DH_inner_data', nonce: s.nonce, serverNonce: s.serverNonce, retryId, gB } satisfies Obj<'client_DH_inner_data'>);
    this.state = { ...s, authKey };
    return {
      request: {
        _: 'set_client_DH_params',
        nonce: s.nonce,
        serverNonce: s.serverNonce,
        encryptedData: encryptWithHash(data, s.keyIv, this.opts.random),
      } satisfies Req<'set_client_DH_params'>,
    };
  }

  private onDhGen(reply: TlObject, s: Extract<State, { stage: 'gen' }>): ClientStep {
    if (reply._ !== 'dh_gen_ok' && reply._ !== 'dh_gen_retry' && reply._ !== 'dh_gen_fail') return { error: `expected dh_gen_*, got ${reply._}` };
    const r = reply as Obj<'dh_gen_ok'>;
    if (!r.nonce.equals(s.nonce)) return { error: `${reply._} nonce does not match` };
    if (!r.serverNonce.equals(s.serverNonce)) return { error: `${reply._} server_nonce does not match` };
    if (reply._ === 'dh_gen_ok') {
      if (!r.newNonceHash1.equals(newNonceHash(s.newNonce, 1, s.authKey))) return { error: 'dh_gen_ok new_nonce_hash1 does not match' };
      this.state = { stage: 'done' };
      return {
        completed: {
          authKey: s.authKey,
          authKeyId: makeAuthKey(s.authKey).id,
          serverSalt: initialServerSalt(s.newNonce, s.serverNonce),
          timeOffset: s.timeOffset,
        },
      };
    }
    if (reply._ === 'dh_gen_retry') {
      if (!(reply as Obj<'dh_gen_retry'>).newNonceHash2.equals(newNonceHash(s.newNonce, 2, s.authKey))) {
        return { error: 'dh_gen_retry new_nonce_hash2 does not match' };
      }
      return this.sendClientDh(s, retryIdOf(s.authKey));
    }
    if (!(reply as Obj<'dh_gen_fail'>).newNonceHash3.equals(newNonceHash(s.newNonce, 3, s.authKey))) {
      return { error: 'dh_gen_fail new_nonce_hash3 does not match' };
    }
    return { error: 'server answered dh_gen_fail' };
  }
}
