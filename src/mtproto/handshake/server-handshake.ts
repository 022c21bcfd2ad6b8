// Server side of auth key creation (core.telegram.org/mtproto/auth_key), one instance per connection.
// Sans-IO: it consumes decoded unencrypted requests and returns the reply to send, the finished key, or the reason
// to drop the connection (the docs answer an incorrect handshake query with transport error -404, or -444 for a
// test/production DC mix-up; `transportError` says which). Timeouts and rate limits are the caller's business.
//
// A connection may run several exchanges in a row (Android creates a permanent and then a temporary key on the
// same connection), so a new req_pq / req_pq_multi always starts a fresh exchange. A request repeated byte for
// byte gets the same reply again, as the docs ask for lost responses, without redoing any work.
import { timingSafeEqual } from 'node:crypto';
import { TlReader, decodeObject, encodeObject, type Obj, type Req, type TlObject } from '../../tl/index.js';
import { makeAuthKey } from '../crypto/auth-key.js';
import { DH_G, DH_PRIME, isGoodDhValue, type DhServer } from '../crypto/dh.js';
import type { RandomFn } from '../crypto/errors.js';
import { generatePq } from '../crypto/pq.js';
import { decryptInnerData, type ServerRsaKey } from '../crypto/rsa.js';
import {
  bytesToBigInt,
  decryptWithHash,
  encryptWithHash,
  initialServerSalt,
  newNonceHash,
  retryIdOf,
  tmpAesKeyIv,
  type TmpAesKeyIv,
} from './handshake-crypto.js';

/** Longest temp key lifetime granted; the docs let the server discard a temp key earlier than asked. */
export const DEFAULT_MAX_TEMP_KEY_LIFETIME = 24 * 60 * 60;
/** dh_gen_retry rounds before giving up with dh_gen_fail (each one only happens on a 64-bit key id collision). */
const MAX_DH_RETRIES = 3;
/** Test DCs are announced as dc_id + 10000 in p_q_inner_data_*dc. */
const TEST_DC_OFFSET = 10000;

export interface ServerHandshakeOptions {
  /** The server's keys; resPQ lists all of them and req_DH_params picks one by fingerprint. */
  rsaKeys: readonly ServerRsaKey[];
  dh: DhServer;
  random: RandomFn;
  /** Milliseconds since the epoch. */
  now: () => number;
  dcId: number;
  /** A test server expects dc + 10000 in p_q_inner_data_*dc (and refuses the production id, and vice versa). */
  testMode?: boolean;
  /** Cap on expires_in of temp keys, seconds (default one day). */
  maxTempKeyLifetime?: number;
  /** Whether a key with this id already exists; a hit makes the server answer dh_gen_retry. */
  keyExists?: (authKeyId: bigint) => boolean;
}

export type InnerDataVariant = 'p_q_inner_data' | 'p_q_inner_data_dc' | 'p_q_inner_data_temp' | 'p_q_inner_data_temp_dc';

export interface CreatedAuthKey {
  authKey: Buffer /* 256 bytes */;
  authKeyId: bigint;
  /** First server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8). */
  serverSalt: bigint;
  kind: 'perm' | 'temp';
  /** Seconds the temp key lives (already capped); absent for permanent keys. */
  expiresIn?: number;
  /** The server's DC id (the one the key belongs to). */
  dcId: number;
  /** The client asked for a media DC key (negative dc in p_q_inner_data_*dc). */
  media: boolean;
  /** Which p_q_inner_data constructor the client used, for logs and client statistics. */
  variant: InnerDataVariant;
}

export interface HandshakeStep {
  reply?: TlObject;
  completed?: CreatedAuthKey;
  /** Why the exchange failed; the caller closes the connection (after sending `transportError` if set). */
  error?: string;
  transportError?: number;
}

/** What the inner data decided about the key; the DH step adds the key itself. */
type KeyParams = Omit<CreatedAuthKey, 'authKey' | 'authKeyId' | 'serverSalt'>;

type PqPending = {
  stage: 'pq';
  nonce: Buffer;
  serverNonce: Buffer;
  pq: Buffer;
  p: bigint;
  q: bigint;
  request: Buffer;
  reply: Obj<'resPQ'>;
};

type DhPending = {
  stage: 'dh';
  nonce: Buffer;
  serverNonce: Buffer;
  newNonce: Buffer;
  keyIv: TmpAesKeyIv;
  secret: Buffer;
  key: KeyParams;
  request: Buffer;
  reply: Obj<'server_DH_params_ok'>;
  expectedRetryId: bigint;
  retries: number;
};

type Pending = PqPending | DhPending;

const fail = (error: string, transportError = -404): HandshakeStep => ({ error, transportError });
const failed = (error: string): { failure: HandshakeStep } => ({ failure: fail(error) });

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ServerHandshake {
  private pending: Pending | undefined;
  /** nonce ‖ server_nonce of the last finished exchange, to name replays precisely. */
  private finished: Buffer | undefined;
  private readonly maxTempKeyLifetime: number;

  constructor(private readonly opts: ServerHandshakeOptions) {
    if (opts.rsaKeys.length === 0) throw new Error('ServerHandshake needs at least one RSA key');
    this.maxTempKeyLifetime = opts.maxTempKeyLifetime ?? DEFAULT_MAX_TEMP_KEY_LIFETIME;
  }

  /** Where the exchange stands: nothing pending, resPQ sent, or server_DH_params_ok sent. */
  get stage(): 'idle' | 'pq' | 'dh' {
    return this.pending?.stage ?? 'idle';
  }

  handle(request: TlObject): HandshakeStep {
    switch (request._) {
      case 'req_pq':
      case 'req_pq_multi':
        return this.onReqPq(request as Req<'req_pq_multi'>);
      case 'req_DH_params':
        return this.onReqDhParams(request as Req<'req_DH_params'>);
      case 'set_client_DH_params':
        return this.onSetClientDhParams(request as Req<'set_client_DH_params'>);
      case 'msgs_ack':
        // Some clients acknowledge handshake replies in plain text; there is nothing to do.
        return {};
      default:
        return fail(`unexpected ${request._} in an unencrypted message`);
    }
  }

  private onReqPq(req: Req<'req_pq_multi'>): HandshakeStep {
    if (req.nonce.length !== 16) return fail('req_pq nonce is not 16 bytes');
    const bytes = encodeObject(req);
    const p = this.pending;
    if (p?.stage === 'pq' && sameBytes(p.request, bytes)) return { reply: p.reply };
    const { random } = this.opts;
    const serverNonce = random(16);
    const generated = generatePq(random);
    const reply: Obj<'resPQ'> = {
      _: 'resPQ',
      nonce: req.nonce,
      serverNonce,
      pq: generated.pq,
      serverPublicKeyFingerprints: this.opts.rsaKeys.map((k) => k.fingerprint),
    };
    this.pending = {
      stage: 'pq',
      nonce: req.nonce,
      serverNonce,
      pq: generated.pq,
      p: bytesToBigInt(generated.p),
      q: bytesToBigInt(generated.q),
      request: bytes,
      reply,
    };
    return { reply };
  }

  private wasFinished(nonce: Buffer, serverNonce: Buffer): boolean {
    return this.finished !== undefined && this.finished.equals(Buffer.concat([nonce, serverNonce]));
  }

  private onReqDhParams(req: Req<'req_DH_params'>): HandshakeStep {
    const p = this.pending;
    if (p?.stage === 'dh') {
      if (sameBytes(p.request, encodeObject(req))) return { reply: p.reply };
      return fail('req_DH_params repeated with different content');
    }
    if (!p) {
      if (this.wasFinished(req.nonce, req.serverNonce)) return fail('req_DH_params replayed after the key exchange completed');
      return fail('req_DH_params without a preceding req_pq');
    }
    if (!req.nonce.equals(p.nonce)) return fail('req_DH_params nonce does not match req_pq');
    if (!req.serverNonce.equals(p.serverNonce)) return fail('req_DH_params server_nonce does not match resPQ');
    if (req.p.length > 8 || req.q.length > 8) return fail('req_DH_params p or q longer than 64 bits');
    if (bytesToBigInt(req.p) !== p.p || bytesToBigInt(req.q) !== p.q) return fail('req_DH_params p and q are not the factors of pq (p < q)');

    const key = this.opts.rsaKeys.find((k) => k.fingerprint === req.publicKeyFingerprint);
    if (!key) return fail(`req_DH_params names unknown public key fingerprint ${req.publicKeyFingerprint}`);
    const data = decryptInnerData(key, req.encryptedData);
    if (!data) return fail('req_DH_params encrypted_data is valid under neither RSA_PAD nor the legacy padding');
    let inner: TlObject;
    try {
      // RSA_PAD leaves random bytes after the object; the reader simply stops where the object ends.
      inner = decodeObject(new TlReader(data));
    } catch (err) {
      return fail(`p_q_inner_data does not decode: ${(err as Error).message}`);
    }
    const checked = this.checkInnerData(inner, p);
    if ('failure' in checked) return checked.failure;

    const newNonce = (inner as Obj<'p_q_inner_data'>).newNonce;
    const keyIv = tmpAesKeyIv(newNonce, p.serverNonce);
    const { secret, gA } = this.createExchange();
    const answer = encodeObject({
      _: 'server_DH_inner_data',
      nonce: p.nonce,
      serverNonce: p.serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME,
      gA,
      serverTime: Math.floor(this.opts.now() / 1000),
    } satisfies Obj<'server_DH_inner_data'>);
    const reply: Obj<'server_DH_params_ok'> = {
      _: 'server_DH_params_ok',
      nonce: p.nonce,
      serverNonce: p.serverNonce,
      encryptedAnswer: encryptWithHash(answer, keyIv, this.opts.random),
    };
    this.pending = {
      stage: 'dh',
      nonce: p.nonce,
      serverNonce: p.serverNonce,
      newNonce,
      keyIv,
      secret,
      key: checked.key,
      request: encodeObject(req),
      reply,
      expectedRetryId: 0n,
      retries: 0,
    };
    return { reply };
  }

  private checkInnerData(inner: TlObject, p: PqPending): { key: KeyParams } | { failure: HandshakeStep } {
    switch (inner._) {
      case 'p_q_inner_data':
      case 'p_q_inner_data_dc':
      case 'p_q_inner_data_temp':
      case 'p_q_inner_data_temp_dc':
        break;
      default:
        return failed(`req_DH_params encrypted_data holds ${inner._}, not p_q_inner_data`);
    }
    const d = inner as Obj<'p_q_inner_data_temp_dc'>;
    const variant = inner._ as InnerDataVariant;
    if (!d.nonce.equals(p.nonce)) return failed(`${variant} nonce does not match req_pq`);
    if (!d.serverNonce.equals(p.serverNonce)) return failed(`${variant} server_nonce does not match resPQ`);
    if (d.pq.length > 8 || bytesToBigInt(d.pq) !== p.p * p.q) return failed(`${variant} pq differs from the one sent in resPQ`);
    if (d.p.length > 8 || d.q.length > 8 || bytesToBigInt(d.p) !== p.p || bytesToBigInt(d.q) !== p.q) {
      return failed(`${variant} p and q differ from the factors of pq`);
    }

    let media = false;
    if (variant === 'p_q_inner_data_dc' || variant === 'p_q_inner_data_temp_dc') {
      const dcError = this.checkDc(d.dc);
      if (dcError) return { failure: dcError };
      media = d.dc < 0;
    }
    if (variant === 'p_q_inner_data' || variant === 'p_q_inner_data_dc') {
      return { key: { kind: 'perm', dcId: this.opts.dcId, media, variant } };
    }
    if (!(d.expiresIn > 0)) return failed(`${variant} expires_in must be positive, got ${d.expiresIn}`);
    return { key: { kind: 'temp', expiresIn: Math.min(d.expiresIn, this.maxTempKeyLifetime), dcId: this.opts.dcId, media, variant } };
  }

  /** dc is ±dc_id (negative for a media DC), plus 10000 on test servers; -444 flags a test/production mix-up. */
  private checkDc(dc: number): HandshakeStep | undefined {
    const ours = this.opts.dcId;
    const testMode = this.opts.testMode ?? false;
    const expected = testMode ? ours + TEST_DC_OFFSET : ours;
    const other = testMode ? ours : ours + TEST_DC_OFFSET;
    const abs = Math.abs(dc);
    if (abs === expected) return undefined;
    if (abs === other) {
      return fail(`p_q_inner_data dc ${dc} is a ${testMode ? 'production' : 'test'} DC id, this is a ${testMode ? 'test' : 'production'} server`, -444);
    }
    return fail(`p_q_inner_data dc ${dc} is not this server's DC (${expected})`);
  }

  /** A fresh secret `a` and g_a; redrawn in the (2^-64 likely) case g_a falls outside the safe range. */
  private createExchange(): { secret: Buffer; gA: Buffer } {
    for (;;) {
      const secret = this.opts.random(256);
      const gA = this.opts.dh.createExchange(secret);
      if (isGoodDhValue(gA, DH_PRIME)) return { secret, gA };
    }
  }

  private onSetClientDhParams(req: Req<'set_client_DH_params'>): HandshakeStep {
    const p = this.pending;
    if (p?.stage !== 'dh') {
      if (this.wasFinished(req.nonce, req.serverNonce)) return fail('set_client_DH_params replayed after the key exchange completed');
      return fail('set_client_DH_params without a preceding req_DH_params');
    }
    if (!req.nonce.equals(p.nonce)) return fail('set_client_DH_params nonce does not match req_pq');
    if (!req.serverNonce.equals(p.serverNonce)) return fail('set_client_DH_params server_nonce does not match resPQ');

    const decrypted = decryptWithHash(req.encryptedData, p.keyIv);
    if (!decrypted.ok) return fail(`client_DH_inner_data: ${decrypted.reason}`);
    if (decrypted.object._ !== 'client_DH_inner_data') return fail(`set_client_DH_params holds ${decrypted.object._}, not client_DH_inner_data`);
    const inner = decrypted.object as Obj<'client_DH_inner_data'>;
    if (!inner.nonce.equals(p.nonce)) return fail('client_DH_inner_data nonce does not match req_pq');
    if (!inner.serverNonce.equals(p.serverNonce)) return fail('client_DH_inner_data server_nonce does not match resPQ');
    if (inner.retryId !== p.expectedRetryId) {
      return fail(`client_DH_inner_data retry_id ${inner.retryId} where ${p.expectedRetryId} was expected`);
    }
    if (inner.gB.length > 256 || !isGoodDhValue(inner.gB, DH_PRIME)) return fail('client_DH_inner_data g_b is outside the safe range');

    let authKey: Buffer;
    try {
      authKey = this.opts.dh.computeKey(p.secret, inner.gB);
    } catch (err) {
      return fail(`auth key computation failed: ${(err as Error).message}`);
    }
    const { id } = makeAuthKey(authKey);

    if (this.opts.keyExists?.(id)) {
      if (p.retries >= MAX_DH_RETRIES) {
        // The client has to start over with req_pq; this exchange is spent.
        this.pending = undefined;
        return { reply: { _: 'dh_gen_fail', nonce: p.nonce, serverNonce: p.serverNonce, newNonceHash3: newNonceHash(p.newNonce, 3, authKey) } };
      }
      p.retries += 1;
      p.expectedRetryId = retryIdOf(authKey);
      return { reply: { _: 'dh_gen_retry', nonce: p.nonce, serverNonce: p.serverNonce, newNonceHash2: newNonceHash(p.newNonce, 2, authKey) } };
    }

    this.pending = undefined;
    this.finished = Buffer.concat([p.nonce, p.serverNonce]);
    return {
      reply: { _: 'dh_gen_ok', nonce: p.nonce, serverNonce: p.serverNonce, newNonceHash1: newNonceHash(p.newNonce, 1, authKey) },
      completed: { authKey, authKeyId: id, serverSalt: initialServerSalt(p.newNonce, p.serverNonce), ...p.key },
    };
  }
}
