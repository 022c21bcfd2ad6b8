// Secret chats (core.telegram.org/api/end-to-end): the server side of Telegram's end-to-end encrypted chats.
// The server relays the Diffie-Hellman exchange and the ciphertext; it never sees a key or a plaintext. A
// chat joins one device (perm auth key) of each side: the admin's device that requested it and the
// participant's device that accepted it; every other device, of those users or any other, is refused.
// Each encrypted message advances the recipient device's qts and waits for that device until it
// acknowledges it with messages.receivedQueue (or a limit drops it); updates.getDifference replays both
// the waiting messages and the chat state changes since the client's date.
import { randomInt } from 'node:crypto';
import { RpcError } from '../../common/rpc-error.js';
import { isGoodDhValue } from '../../mtproto/crypto/dh.js';
import type { Obj, TlType } from '../../tl/index.js';
import type { AccessHashes } from '../../service/access-hash.js';
import type { DfsService } from '../../service/dfs/index.js';
import type { SyncChannel, SyncEvent } from '../sync.js';
import type { UserViewSource } from '../messaging.js';
import {
  SECRET_STATE_ACCEPTED,
  SECRET_STATE_DISCARDED,
  SECRET_STATE_REQUESTED,
  SecretChatStore,
  type SecretChatRow,
  type SecretFileRow,
  type StoredSecretMessage,
} from './secret-store.js';

/** The caller: a user on one device (its perm key id). */
export interface SecretCaller {
  userId: bigint;
  device: bigint;
}

export interface InputSecretChat {
  chatId: number;
  accessHash: bigint;
}

export interface SecretChatsDeps {
  store: SecretChatStore;
  sync: SyncChannel;
  userViews: UserViewSource;
  dfs: DfsService;
  accessHashes: AccessHashes;
  /** The signed-in devices (perm key ids) of a user. */
  devicesOf(userId: bigint): Promise<bigint[]>;
  dcId: number;
  now(): number;
  onReport?(chatId: number, reporter: SecretCaller): void;
}

/** Bytes of one encrypted message: key_fingerprint (8) ‖ msg_key (16) ‖ AES-IGE blocks (16 each). */
const ENVELOPE = 8 + 16;
/** Echo's bound on one encrypted message (a text with a thumbnail of its media fits many times over). */
export const MAX_ENCRYPTED_DATA = 256 * 1024;
/** How often unacknowledged messages past their time limit are swept. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Chat state changes one getDifference replays. */
const CHANGES_PER_DIFFERENCE = 100;

export interface SecretDifference {
  messages: TlType<'EncryptedMessage'>[];
  updates: TlType<'Update'>[];
  /** Users the updates name (the other side of each chat). */
  userIds: bigint[];
  /** The device's qts after these messages. */
  qts: number;
  /** More messages wait beyond this page. */
  more: boolean;
}

type Side = 'admin' | 'participant';

export class SecretChats {
  constructor(private readonly deps: SecretChatsDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  private chatHash(userId: bigint, chatId: number): bigint {
    return this.deps.accessHashes.of('encrypted-chat', userId, BigInt(chatId));
  }

  private fileHash(fileId: bigint): bigint {
    return this.deps.accessHashes.of('encrypted-file', 0n, fileId);
  }

  /** The chat as one device sees it, undefined for a device that has no part in it. */
  chatFor(row: SecretChatRow, viewer: SecretCaller): TlType<'EncryptedChat'> | undefined {
    const discarded: Obj<'encryptedChatDiscarded'> = { _: 'encryptedChatDiscarded', id: row.id, historyDeleted: row.historyDeleted || undefined };
    const base = { id: row.id, accessHash: this.chatHash(viewer.userId, row.id), date: row.date, adminId: row.adminId, participantId: row.participantId };
    if (viewer.userId === row.adminId && viewer.device === row.adminDevice) {
      if (row.state === SECRET_STATE_REQUESTED) return { _: 'encryptedChatWaiting', ...base };
      if (row.state === SECRET_STATE_ACCEPTED) return { _: 'encryptedChat', ...base, gAOrB: row.gB!, keyFingerprint: row.keyFingerprint! };
      return discarded;
    }
    if (viewer.userId === row.participantId) {
      if (row.state === SECRET_STATE_REQUESTED) return { _: 'encryptedChatRequested', ...base, gA: row.gA! };
      // Accepted on another device of the participant: for this one the request is gone.
      if (row.state === SECRET_STATE_ACCEPTED && row.participantDevice === viewer.device) return { _: 'encryptedChat', ...base, gAOrB: row.gA!, keyFingerprint: row.keyFingerprint! };
      return discarded;
    }
    return undefined;
  }

  private async encryptionUpdate(row: SecretChatRow, to: SecretCaller, otherUser: bigint): Promise<TlType<'Updates'> | undefined> {
    const chat = this.chatFor(row, to);
    if (!chat) return undefined;
    const users = await this.deps.userViews.many(to.userId, [otherUser]);
    return { _: 'updates', updates: [{ _: 'updateEncryption', chat, date: this.seconds() }], users, chats: [], date: this.seconds(), seq: 0 };
  }

  /** updateEncryption to each of the given devices of a user, each with the chat as that device sees it. */
  private async tellDevices(row: SecretChatRow, userId: bigint, devices: readonly bigint[]): Promise<void> {
    const other = userId === row.adminId ? row.participantId : row.adminId;
    const events: SyncEvent[] = [];
    for (const device of devices) {
      const updates = await this.encryptionUpdate(row, { userId, device }, other);
      if (updates) events.push({ userId, device, updates });
    }
    await this.deps.sync.publish(events);
  }

  /** The chat an InputEncryptedChat names for the caller's user, and the caller's side of it. */
  private async resolve(caller: SecretCaller, input: InputSecretChat): Promise<{ row: SecretChatRow; side: Side }> {
    const row = await this.deps.store.chat(input.chatId);
    if (!row) throw RpcError.badRequest('CHAT_ID_INVALID');
    const side: Side | undefined = caller.userId === row.adminId ? 'admin' : caller.userId === row.participantId ? 'participant' : undefined;
    if (!side || !this.deps.accessHashes.check('encrypted-chat', caller.userId, BigInt(row.id), input.accessHash)) throw RpcError.badRequest('CHAT_ID_INVALID');
    return { row, side };
  }

  /** The chat for sending, reading or typing: only its two devices, only while it is open. */
  private async open(caller: SecretCaller, input: InputSecretChat): Promise<{ row: SecretChatRow; peer: SecretCaller }> {
    const { row, side } = await this.resolve(caller, input);
    const mine = side === 'admin' ? row.adminDevice === caller.device : row.participantDevice === caller.device;
    // Another device of the participant while the request waits may not use it either.
    if (!mine && !(row.state === SECRET_STATE_DISCARDED && row.participantDevice === null && side === 'participant')) throw RpcError.badRequest('CHAT_ID_INVALID');
    if (row.state === SECRET_STATE_DISCARDED) throw RpcError.badRequest('ENCRYPTION_DECLINED');
    if (row.state !== SECRET_STATE_ACCEPTED) throw RpcError.badRequest('CHAT_ID_INVALID');
    const peer = side === 'admin' ? { userId: row.participantId, device: row.participantDevice! } : { userId: row.adminId, device: row.adminDevice };
    return { row, peer };
  }

  // ---- the key exchange ----------------------------------------------------------------------------

  /** messages.requestEncryption: `target` is an existing other user (checked by the caller). */
  async request(caller: SecretCaller, target: bigint, randomId: number, gA: Buffer): Promise<TlType<'EncryptedChat'>> {
    if (gA.length !== 256 || !isGoodDhValue(gA)) throw RpcError.badRequest('DH_G_A_INVALID');
    const repeated = await this.deps.store.byRequest(caller.device, randomId);
    if (repeated) {
      if (repeated.participantId !== target) throw RpcError.badRequest('RANDOM_ID_DUPLICATE');
      return this.chatFor(repeated, caller)!;
    }
    const row = await this.deps.store.insertRequest(
      { adminId: caller.userId, adminDevice: caller.device, participantId: target, requestRandomId: randomId, gA, date: this.seconds() },
      () => randomInt(1, 2 ** 31 - 1),
    );
    // Every device of the participant is offered the chat; the first to accept it takes it.
    const updates = await this.encryptionUpdate(row, { userId: target, device: -1n }, caller.userId);
    if (updates) await this.deps.sync.publish([{ userId: target, updates }]);
    return this.chatFor(row, caller)!;
  }

  /** messages.acceptEncryption by a device of the participant. */
  async accept(caller: SecretCaller, input: InputSecretChat, gB: Buffer, keyFingerprint: bigint): Promise<TlType<'EncryptedChat'>> {
    const { row, side } = await this.resolve(caller, input);
    if (side !== 'participant') throw RpcError.badRequest('CHAT_ID_INVALID');
    const refuse = (r: SecretChatRow) => {
      if (r.state === SECRET_STATE_ACCEPTED) throw RpcError.badRequest('ENCRYPTION_ALREADY_ACCEPTED');
      if (r.state === SECRET_STATE_DISCARDED) throw RpcError.badRequest('ENCRYPTION_ALREADY_DECLINED');
    };
    refuse(row);
    if (gB.length !== 256 || !isGoodDhValue(gB)) throw RpcError.badRequest('DH_G_B_INVALID');
    if (keyFingerprint === 0n) throw RpcError.badRequest('ENCRYPTION_KEY_INVALID');
    if (!(await this.deps.store.accept(row.id, caller.device, gB, keyFingerprint, this.seconds()))) {
      const now = await this.deps.store.chat(row.id);
      if (now) refuse(now);
      throw RpcError.badRequest('CHAT_ID_INVALID');
    }
    const accepted = (await this.deps.store.chat(row.id))!;
    await this.tellDevices(accepted, accepted.adminId, [accepted.adminDevice]);
    const others = (await this.deps.devicesOf(caller.userId)).filter((d) => d !== caller.device);
    await this.tellDevices(accepted, caller.userId, others);
    return this.chatFor(accepted, caller)!;
  }

  /** messages.discardEncryption: either side's device ends the chat; its messages and files are deleted. */
  async discard(caller: SecretCaller, chatId: number, deleteHistory: boolean): Promise<void> {
    const row = await this.deps.store.chat(chatId);
    const isAdmin = row !== undefined && caller.userId === row.adminId && caller.device === row.adminDevice;
    const isParticipant = row !== undefined && caller.userId === row.participantId && (row.participantDevice === null || row.participantDevice === caller.device);
    if (!row || (!isAdmin && !isParticipant)) throw RpcError.badRequest('ENCRYPTION_ID_INVALID');
    if (row.state === SECRET_STATE_DISCARDED) throw RpcError.badRequest('ENCRYPTION_ALREADY_DECLINED');
    const orphanBlobs = await this.deps.store.discard(row.id, deleteHistory, this.seconds());
    if (!orphanBlobs) throw RpcError.badRequest('ENCRYPTION_ALREADY_DECLINED');
    for (const key of orphanBlobs) await this.deps.dfs.blobs.delete('encryptedfiles', key);
    const discarded = (await this.deps.store.chat(row.id))!;
    if (!isAdmin) await this.tellDevices(discarded, row.adminId, [row.adminDevice]);
    if (row.participantDevice !== null) {
      if (!isParticipant) await this.tellDevices(discarded, row.participantId, [row.participantDevice]);
    } else {
      // Still a request: every device of the participant was offered it.
      const devices = (await this.deps.devicesOf(row.participantId)).filter((d) => !(isParticipant && d === caller.device));
      await this.tellDevices(discarded, row.participantId, devices);
    }
  }

  // ---- messages --------------------------------------------------------------------------------------

  private checkData(data: Uint8Array): void {
    if (data.length > MAX_ENCRYPTED_DATA) throw RpcError.badRequest('DATA_TOO_LONG');
    if (data.length < ENVELOPE + 16 || (data.length - ENVELOPE) % 16 !== 0) throw RpcError.badRequest('DATA_INVALID');
  }

  private encryptedFileTl(f: SecretFileRow): Obj<'encryptedFile'> {
    return { _: 'encryptedFile', id: f.id, accessHash: this.fileHash(f.id), size: BigInt(f.size), dcId: this.deps.dcId, keyFingerprint: f.keyFingerprint };
  }

  private messageTl(m: StoredSecretMessage, file: SecretFileRow | undefined): TlType<'EncryptedMessage'> {
    if (m.service) return { _: 'encryptedMessageService', randomId: m.randomId, chatId: m.chatId, date: m.date, bytes: m.bytes };
    return { _: 'encryptedMessage', randomId: m.randomId, chatId: m.chatId, date: m.date, bytes: m.bytes, file: file ? this.encryptedFileTl(file) : { _: 'encryptedFileEmpty' } };
  }

  /**
   * messages.sendEncrypted / sendEncryptedService / sendEncryptedFile: queues the ciphertext for the other
   * device and pushes it there. Answers the date (the first send's, for a repeated random_id).
   */
  async send(caller: SecretCaller, input: InputSecretChat, m: { randomId: bigint; data: Uint8Array; service: boolean; file?: TlType<'InputEncryptedFile'> }): Promise<{ date: number; file?: Obj<'encryptedFile'> }> {
    this.checkData(m.data);
    const { row, peer } = await this.open(caller, input);
    const file = m.file ? await this.storeFile(caller, row, m.file) : undefined;
    const bytes = Buffer.from(m.data);
    const queued = await this.deps.store.enqueue(peer.device, { chatId: row.id, randomId: m.randomId, date: this.seconds(), service: m.service, bytes, fileId: file?.id ?? null });
    if (!queued.duplicate) {
      const message = this.messageTl({ qts: queued.qts, chatId: row.id, randomId: m.randomId, date: queued.date, service: m.service, bytes, fileId: file?.id ?? null }, file);
      const updates: Obj<'updates'> = { _: 'updates', updates: [{ _: 'updateNewEncryptedMessage', message, qts: queued.qts }], users: [], chats: [], date: queued.date, seq: 0 };
      await this.deps.sync.publish([{ userId: peer.userId, device: peer.device, updates }]);
    }
    return { date: queued.date, ...(file ? { file: this.encryptedFileTl(file) } : {}) };
  }

  /** The file of sendEncryptedFile: new parts go to the `encryptedfiles` bucket; a known file is sent again. */
  private async storeFile(caller: SecretCaller, row: SecretChatRow, input: TlType<'InputEncryptedFile'>): Promise<SecretFileRow> {
    const id = BigInt.asUintN(63, this.randomLong()) || 1n;
    const date = this.seconds();
    let stored: { blobKey: string; size: number; keyFingerprint: number };
    switch (input._) {
      case 'inputEncryptedFileEmpty':
        throw RpcError.badRequest('FILE_EMPTY');
      case 'inputEncryptedFileUploaded':
      case 'inputEncryptedFileBigUploaded': {
        const inputFile: TlType<'InputFile'> =
          input._ === 'inputEncryptedFileUploaded' ? { _: 'inputFile', id: input.id, parts: input.parts, name: '', md5Checksum: input.md5Checksum } : { _: 'inputFileBig', id: input.id, parts: input.parts, name: '' };
        const blob = await this.deps.dfs.takeUpload(caller.userId, inputFile, { bucket: 'encryptedfiles', key: `s${id.toString(16)}` });
        if (blob.size === 0) throw RpcError.badRequest('FILE_EMPTY');
        stored = { blobKey: blob.key, size: blob.size, keyFingerprint: input.keyFingerprint };
        break;
      }
      case 'inputEncryptedFile': {
        const known = await this.deps.store.file(input.id);
        if (!known || !this.deps.accessHashes.check('encrypted-file', 0n, known.id, input.accessHash)) throw RpcError.badRequest('FILE_ID_INVALID');
        // Only a file the caller's device can read already (a file of one of its chats).
        const chat = await this.deps.store.chat(known.chatId);
        if (!chat || chat.state !== SECRET_STATE_ACCEPTED || (chat.adminDevice !== caller.device && chat.participantDevice !== caller.device)) throw RpcError.badRequest('FILE_ID_INVALID');
        stored = { blobKey: known.blobKey, size: known.size, keyFingerprint: known.keyFingerprint };
        break;
      }
    }
    const file: SecretFileRow = { id, chatId: row.id, date, ...stored };
    await this.deps.store.insertFile(file);
    return file;
  }

  private randomLong(): bigint {
    // node:crypto's randomInt stops at 2^48; two halves make a 64-bit id.
    return (BigInt(randomInt(0, 2 ** 32)) << 32n) | BigInt(randomInt(0, 2 ** 32));
  }

  /** Where an inputEncryptedFileLocation is stored, for one of the two devices of its chat. */
  async fileLocation(caller: SecretCaller, fileId: bigint, accessHash: bigint): Promise<{ bucket: 'encryptedfiles'; key: string; size: number; mtime: number }> {
    const file = await this.deps.store.file(fileId);
    if (!file || !this.deps.accessHashes.check('encrypted-file', 0n, file.id, accessHash)) throw RpcError.badRequest('FILE_ID_INVALID');
    const chat = await this.deps.store.chat(file.chatId);
    if (!chat || (chat.adminDevice !== caller.device && chat.participantDevice !== caller.device)) throw RpcError.badRequest('FILE_ID_INVALID');
    return { bucket: 'encryptedfiles', key: file.blobKey, size: file.size, mtime: file.date };
  }

  /** messages.readEncryptedHistory: the other device learns how far its messages were read. */
  async readHistory(caller: SecretCaller, input: InputSecretChat, maxDate: number): Promise<void> {
    const { row, peer } = await this.open(caller, input);
    const date = this.seconds();
    await this.deps.sync.publish([{ userId: peer.userId, device: peer.device, updates: { _: 'updateShort', update: { _: 'updateEncryptedMessagesRead', chatId: row.id, maxDate, date }, date } }]);
  }

  /** messages.setEncryptedTyping. */
  async typing(caller: SecretCaller, input: InputSecretChat, typing: boolean): Promise<void> {
    const { row, peer } = await this.open(caller, input);
    if (!typing) return;
    await this.deps.sync.publish([{ userId: peer.userId, device: peer.device, updates: { _: 'updateShort', update: { _: 'updateEncryptedChatTyping', chatId: row.id }, date: this.seconds() } }]);
  }

  /** messages.reportEncryptedSpam: the participant's device reports the chat it was offered or took. */
  async reportSpam(caller: SecretCaller, input: InputSecretChat): Promise<void> {
    const { row, side } = await this.resolve(caller, input);
    if (side === 'admin' ? row.adminDevice !== caller.device : row.participantDevice !== null && row.participantDevice !== caller.device) throw RpcError.badRequest('CHAT_ID_INVALID');
    this.deps.onReport?.(row.id, caller);
  }

  /** messages.receivedQueue: drops what the device has received up to `maxQts`; answers their random_ids. */
  async received(caller: SecretCaller, maxQts: number): Promise<bigint[]> {
    if (maxQts < 0 || maxQts > (await this.deps.store.qts(caller.device))) throw RpcError.badRequest('MAX_QTS_INVALID');
    return this.deps.store.acknowledge(caller.device, maxQts);
  }

  /** Drops messages left unacknowledged beyond the time limit, every few minutes; returns the stop function. */
  startSweeper(onError: (err: unknown) => void): () => void {
    const timer = setInterval(() => {
      this.deps.store.expire(this.seconds()).catch(onError);
    }, SWEEP_INTERVAL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The device's qts for updates.getState. */
  qts(device: bigint): Promise<number> {
    return this.deps.store.qts(device);
  }

  /** What updates.getDifference adds for a device: its messages after `qts` and chat changes since `date`. */
  async difference(caller: SecretCaller, qts: number, date: number, limit: number): Promise<SecretDifference> {
    const pending = await this.deps.store.pending(caller.device, qts, limit + 1);
    const more = pending.length > limit;
    const page = pending.slice(0, limit);
    const files = await this.deps.store.files(page.flatMap((m) => (m.fileId !== null ? [m.fileId] : [])));
    const messages = page.map((m) => this.messageTl(m, m.fileId !== null ? files.get(m.fileId) : undefined));
    const current = await this.deps.store.qts(caller.device);
    const newQts = more ? page[page.length - 1]!.qts : Math.max(current, qts);
    const updates: TlType<'Update'>[] = [];
    const userIds = new Set<bigint>();
    for (const row of await this.deps.store.changedSince(caller.userId, date, CHANGES_PER_DIFFERENCE)) {
      const chat = this.chatFor(row, caller);
      if (!chat) continue;
      updates.push({ _: 'updateEncryption', chat, date: row.changedAt });
      userIds.add(caller.userId === row.adminId ? row.participantId : row.adminId);
    }
    return { messages, updates, userIds: [...userIds], qts: newQts, more };
  }
}
