// The client side of Telegram's secret chats (core.telegram.org/api/end-to-end), written from the spec for
// Echo's tests: no client library Echo tests with implements it. Devices are Echo's own raw MTProto client
// (src/client), signed in with the fixed test code. The parts: the DH exchange with the spec's checks on p,
// g, g_a and g_b; the key fingerprint (the low 64 bits of SHA1(key)); MTProto 2.0 end-to-end encryption
// (msg_key from SHA256 of 32 key bytes at 88+x and the padded plaintext, x = 0 for the chat's creator and 8
// for the other side); decryptedMessageLayer with sequence numbers; encrypted files (AES-256-IGE with a
// random key and iv, their 32-bit fingerprint).
import assert from 'node:assert/strict';
import { checkPrimeSync, createHash, randomBytes } from 'node:crypto';
import { EchoClient } from '../../src/client/mtproto-client.js';
import { ClientSession } from '../../src/client/client-session.js';
import { sha1, sha256 } from '../../src/mtproto/crypto/hash.js';
import { aesIgeDecrypt, aesIgeEncrypt } from '../../src/mtproto/crypto/ige.js';
import { modPow } from '../../src/mtproto/crypto/pq.js';
import { TlReader, TlWriter } from '../../src/tl/runtime.js';
import type { TlObject } from '../../src/tl/index.js';
import type { RsaPublicKey } from '../../src/mtproto/crypto/rsa.js';
import { FIXED_CODE } from './accounts.js';

type Any = TlObject & Record<string, any>;

const wrap = (query: TlObject, layer: number) =>
  ({ _: 'invokeWithLayer', layer, query: { _: 'initConnection', apiId: 1, deviceModel: 'secret-test', systemVersion: 'node', appVersion: '1', systemLangCode: 'en', langPack: '', langCode: 'en', query } }) as TlObject;

/** One device (auth key) of a user, on Echo's raw client. */
export class Device {
  private constructor(
    public client: EchoClient,
    readonly userId: bigint,
    private readonly port: number,
  ) {}

  /** Connects a new device speaking API `layer` and signs it in (up, when `firstName` is given). */
  static async signIn(port: number, publicKey: RsaPublicKey & { fingerprint: bigint }, phone: string, firstName?: string, layer = 229): Promise<Device> {
    const client = await EchoClient.open({ host: '127.0.0.1', port });
    await client.createAuthKey(publicKey);
    const sent = (await client.invoke(wrap({ _: 'auth.sendCode', phoneNumber: phone, apiId: 1, apiHash: 'x', settings: { _: 'codeSettings' } } as TlObject, layer))) as Any;
    let auth = (await client.invoke({ _: 'auth.signIn', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: FIXED_CODE } as TlObject)) as Any;
    if (auth._ === 'auth.authorizationSignUpRequired') {
      assert.ok(firstName, `no account for ${phone}`);
      auth = (await client.invoke({ _: 'auth.signUp', phoneNumber: phone, phoneCodeHash: sent.phoneCodeHash, firstName, lastName: '' } as TlObject)) as Any;
    }
    const device = new Device(client, auth.user.id as bigint, port);
    // Any call subscribes the session to updates.
    await device.call({ _: 'updates.getState' });
    return device;
  }

  /** Invokes a method; a Bool result is answered as a boolean. */
  async call(obj: Record<string, unknown> & { _: string }): Promise<Any> {
    const res = (await this.client.invoke(obj as TlObject)) as Any;
    if (res?._ === 'boolTrue') return true as unknown as Any;
    if (res?._ === 'boolFalse') return false as unknown as Any;
    return res;
  }

  /** The next pushed update matching `match` (inside updates / updateShort). */
  async update(match: (u: Any) => boolean, timeoutMs = 10_000): Promise<Any> {
    let found: Any | undefined;
    await this.client.next((e) => {
      if (e.type !== 'message') return false;
      const body = e.message.body as Any;
      const list: Any[] = body._ === 'updates' ? body.updates : body._ === 'updateShort' ? [body.update] : [];
      found = list.find(match);
      return found !== undefined;
    }, timeoutMs);
    return found!;
  }

  /** True when an update matching `match` was pushed already (without waiting). */
  async has(match: (u: Any) => boolean): Promise<boolean> {
    try {
      await this.update(match, 1);
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the connection (the device goes offline; its auth key stays). */
  async goOffline(): Promise<void> {
    this.client.close();
    await this.client.waitClosed();
  }

  /** Comes back on a new connection with a new session on the same auth key (an app restart). */
  async comeBack(): Promise<void> {
    const old = this.client.session!;
    const client = await EchoClient.open({ host: '127.0.0.1', port: this.port });
    client.useSession(new ClientSession(old.authKey.key, old.salt, (n) => randomBytes(n), Date.now, old.timeOffset));
    this.client = client;
  }

  close(): void {
    this.client.close();
  }
}

// ---- DH ------------------------------------------------------------------------------------------------

const toBig = (b: Uint8Array) => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const toBytes256 = (v: bigint) => Buffer.from(v.toString(16).padStart(512, '0'), 'hex');

export interface DhParams {
  p: bigint;
  g: number;
  /** The server's random bytes, mixed into the client's secret. */
  random: Buffer;
}

/** messages.getDhConfig with the checks of the spec: p a 2048-bit safe prime, g generating the subgroup. */
export async function dhConfig(device: Device): Promise<DhParams> {
  const res = await device.call({ _: 'messages.getDhConfig', version: 0, randomLength: 256 });
  assert.equal(res._, 'messages.dhConfig');
  const p = toBig(res.p);
  assert.equal(p.toString(2).length, 2048, 'p is 2048 bits');
  assert.ok(checkPrimeSync(p) && checkPrimeSync((p - 1n) / 2n), 'p is a safe prime');
  const g = res.g as number;
  // g = 3 generates the subgroup of order (p-1)/2 when p mod 3 == 2.
  assert.ok(g === 3 ? p % 3n === 2n : g >= 2 && g <= 7, 'g generates the subgroup');
  assert.equal(res.random.length, 256);
  return { p, g, random: Buffer.from(res.random) };
}

/** The spec's range check for g_a and g_b: 1 < v < p-1 and 2^(2048-64) <= v <= p - 2^(2048-64). */
export function checkDhValue(v: bigint, p: bigint): void {
  const margin = 1n << (2048n - 64n);
  assert.ok(v > 1n && v < p - 1n && v >= margin && v <= p - margin, 'DH value out of range');
}

export function secretExponent(params: DhParams): bigint {
  const own = randomBytes(256);
  for (let i = 0; i < 256; i++) own[i]! ^= params.random[i]!;
  return toBig(own);
}

export function publicValue(params: DhParams, secret: bigint): Buffer {
  const v = modPow(BigInt(params.g), secret, params.p);
  checkDhValue(v, params.p);
  return toBytes256(v);
}

export function sharedKey(params: DhParams, secret: bigint, other: Uint8Array): Buffer {
  const o = toBig(other);
  checkDhValue(o, params.p);
  return toBytes256(modPow(o, secret, params.p));
}

/** key_fingerprint: the 64 low-order bits of SHA1(key), as the little-endian long the wire carries. */
export function keyFingerprint(key: Buffer): bigint {
  return sha1(key).readBigInt64LE(12);
}

// ---- MTProto 2.0 end-to-end encryption -----------------------------------------------------------------------

function keyIv(key: Buffer, msgKey: Buffer, x: number): { aesKey: Buffer; aesIv: Buffer } {
  const a = sha256(msgKey, key.subarray(x, x + 36));
  const b = sha256(key.subarray(40 + x, 40 + x + 36), msgKey);
  return { aesKey: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]), aesIv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]) };
}

/** key_fingerprint ‖ msg_key ‖ AES-IGE(length ‖ payload ‖ padding), the padding 12..1024 bytes to a 16-byte multiple. */
export function encryptE2e(key: Buffer, payload: Buffer, x: number): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), payload]);
  body.writeInt32LE(payload.length, 0);
  const extra = 16 * (1 + Math.floor(Math.random() * 4));
  const pad = 12 + ((16 - ((body.length + 12) % 16)) % 16) + extra;
  const plain = Buffer.concat([body, randomBytes(pad)]);
  const msgKey = sha256(key.subarray(88 + x, 120 + x), plain).subarray(8, 24);
  const { aesKey, aesIv } = keyIv(key, msgKey, x);
  const fp = Buffer.alloc(8);
  fp.writeBigInt64LE(keyFingerprint(key));
  return Buffer.concat([fp, msgKey, aesIgeEncrypt(plain, aesKey, aesIv)]);
}

/** The payload of an encrypted message, after the fingerprint, msg_key and length checks of the spec. */
export function decryptE2e(key: Buffer, data: Buffer, x: number): Buffer {
  assert.equal(data.readBigInt64LE(0), keyFingerprint(key), 'key fingerprint of the message');
  const msgKey = data.subarray(8, 24);
  const { aesKey, aesIv } = keyIv(key, msgKey, x);
  const plain = aesIgeDecrypt(data.subarray(24), aesKey, aesIv);
  assert.ok(sha256(key.subarray(88 + x, 120 + x), plain).subarray(8, 24).equals(msgKey), 'msg_key matches the plaintext');
  const len = plain.readInt32LE(0);
  const pad = plain.length - 4 - len;
  assert.ok(len >= 0 && pad >= 12 && pad <= 1024, 'length and padding');
  return plain.subarray(4, 4 + len);
}

// ---- the decrypted layer (secret.tl) ---------------------------------------------------------------------

export const SECRET_LAYER = 144;
const ID = {
  layer: 0x1be31789,
  message: 0x91cc4674,
  service: 0x73164160,
  notifyLayer: 0xf3048883,
  mediaDocument: 0x6abd9782,
  vector: 0x1cb5c415,
};

export interface DocumentMedia {
  mimeType: string;
  size: number;
  key: Buffer;
  iv: Buffer;
}

export type Decrypted =
  | { kind: 'message'; randomId: bigint; text: string; document?: DocumentMedia }
  | { kind: 'notifyLayer'; randomId: bigint; layer: number };

function writeDecrypted(w: TlWriter, m: Decrypted): void {
  if (m.kind === 'notifyLayer') {
    w.int32(ID.service | 0);
    w.int64(m.randomId);
    w.int32(ID.notifyLayer | 0);
    w.int32(m.layer);
    return;
  }
  w.int32(ID.message | 0);
  w.int32(m.document ? 1 << 9 : 0);
  w.int64(m.randomId);
  w.int32(0); // ttl
  w.string(m.text);
  if (m.document) {
    w.int32(ID.mediaDocument | 0);
    w.bytes(Buffer.alloc(0)); // no thumbnail
    w.int32(0);
    w.int32(0);
    w.string(m.document.mimeType);
    w.int64(BigInt(m.document.size));
    w.bytes(m.document.key);
    w.bytes(m.document.iv);
    w.int32(ID.vector | 0);
    w.int32(0); // attributes
    w.string(''); // caption
  }
}

function readDecrypted(r: TlReader): Decrypted {
  const id = r.uint32();
  if (id === ID.service) {
    const randomId = r.int64();
    assert.equal(r.uint32(), ID.notifyLayer);
    return { kind: 'notifyLayer', randomId, layer: r.int32() };
  }
  assert.equal(id, ID.message, 'decryptedMessage');
  const flags = r.int32();
  const randomId = r.int64();
  r.int32(); // ttl
  const text = r.string();
  let document: DocumentMedia | undefined;
  if (flags & (1 << 9)) {
    assert.equal(r.uint32(), ID.mediaDocument);
    r.bytes();
    r.int32();
    r.int32();
    const mimeType = r.string();
    const size = Number(r.int64());
    const key = r.bytes();
    const iv = r.bytes();
    assert.equal(r.uint32(), ID.vector);
    assert.equal(r.int32(), 0);
    r.string();
    document = { mimeType, size, key, iv };
  }
  return { kind: 'message', randomId, text, ...(document ? { document } : {}) };
}

/** One end of an established secret chat: its key, its side and its sequence numbers. */
export class SecretChatEnd {
  private sent = 0;
  private received = 0;
  /** The device's qts this end has applied: pushes at or below it were seen already (through getDifference). */
  seenQts = 0;

  constructor(
    readonly device: Device,
    readonly chatId: number,
    readonly accessHash: bigint,
    readonly key: Buffer,
    /** The chat's creator (x = 0 for what it sends). */
    readonly isAdmin: boolean,
  ) {}

  get peer(): { _: 'inputEncryptedChat'; chatId: number; accessHash: bigint } {
    return { _: 'inputEncryptedChat', chatId: this.chatId, accessHash: this.accessHash };
  }

  /** decryptedMessageLayer around `m`, with this end's sequence numbers, encrypted. */
  encrypt(m: Decrypted): Buffer {
    const w = new TlWriter();
    w.int32(ID.layer | 0);
    w.bytes(randomBytes(16));
    w.int32(SECRET_LAYER);
    // The creator's out_seq_no are even, the other side's odd; in_seq_no is the next one expected from the other side.
    w.int32(2 * this.received + (this.isAdmin ? 1 : 0));
    w.int32(2 * this.sent + (this.isAdmin ? 0 : 1));
    writeDecrypted(w, m);
    this.sent++;
    return encryptE2e(this.key, w.finish(), this.isAdmin ? 0 : 8);
  }

  /** Decrypts what the other side sent and checks its sequence numbers (no gaps, no repeats). */
  decrypt(data: Uint8Array): Decrypted & { layer: number } {
    const r = new TlReader(decryptE2e(this.key, Buffer.from(data), this.isAdmin ? 8 : 0));
    assert.equal(r.uint32(), ID.layer, 'decryptedMessageLayer');
    assert.ok(r.bytes().length >= 15, 'random_bytes of at least 15 bytes');
    const layer = r.int32();
    const inSeq = r.int32();
    const outSeq = r.int32();
    assert.equal(outSeq, 2 * this.received + (this.isAdmin ? 1 : 0), 'out_seq_no: the next from the other side');
    // in_seq_no is the next of this end's out_seq_no the other side expects: this end's parity, at most what was sent.
    const mine = this.isAdmin ? 0 : 1;
    assert.equal(inSeq % 2, mine, 'in_seq_no parity');
    assert.ok((inSeq - mine) / 2 <= this.sent, 'in_seq_no counts no more than was sent');
    this.received++;
    return { ...readDecrypted(r), layer };
  }
}

// ---- files ---------------------------------------------------------------------------------------------

/** The 32-bit fingerprint of a file's key and iv: the first 4 bytes of md5(key ‖ iv) XOR the next 4. */
export function fileKeyFingerprint(key: Buffer, iv: Buffer): number {
  const d = createHash('md5').update(key).update(iv).digest();
  return d.readInt32LE(0) ^ d.readInt32LE(4);
}

/** Encrypts `plain` with a new key and iv (AES-256-IGE, zero-padded to 16), uploads it in one part. */
export async function uploadEncryptedFile(device: Device, plain: Buffer): Promise<{ input: Any; media: DocumentMedia }> {
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const padded = Buffer.concat([plain, Buffer.alloc((16 - (plain.length % 16)) % 16)]);
  const cipher = aesIgeEncrypt(padded, key, Buffer.from(iv));
  const fileId = randomBytes(8).readBigInt64LE(0);
  assert.equal(await device.call({ _: 'upload.saveFilePart', fileId, filePart: 0, bytes: cipher }), true);
  const md5Checksum = createHash('md5').update(cipher).digest('hex');
  return {
    input: { _: 'inputEncryptedFileUploaded', id: fileId, parts: 1, md5Checksum, keyFingerprint: fileKeyFingerprint(key, iv) },
    media: { mimeType: 'application/octet-stream', size: plain.length, key, iv },
  };
}

/** Downloads an encryptedFile and decrypts it with the key and iv its message carried. */
export async function downloadEncryptedFile(device: Device, file: Any, media: DocumentMedia): Promise<Buffer> {
  assert.equal(file.keyFingerprint, fileKeyFingerprint(media.key, media.iv), 'file key fingerprint');
  const got = await device.call({ _: 'upload.getFile', location: { _: 'inputEncryptedFileLocation', id: file.id, accessHash: file.accessHash }, offset: 0n, limit: 1024 * 1024 });
  const cipher = Buffer.from(got.bytes);
  assert.equal(cipher.length, Number(file.size));
  return aesIgeDecrypt(cipher, media.key, Buffer.from(media.iv)).subarray(0, media.size);
}
