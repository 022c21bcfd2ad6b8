// SQL of the secret chats (migration 0015_secret_chats): chats and their states, the per-device queue of
// encrypted messages numbered by qts, and the files sent into chats. Only ciphertext is ever stored.
import type { Kysely } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import { dialectOf, isDuplicateKey, lockingRead, retryOnConflict } from '../../infra/db/dialect.js';
import { SECRET_STATE_ACCEPTED, SECRET_STATE_DISCARDED, SECRET_STATE_REQUESTED } from '../../infra/db/tables/secret-chats.js';

export { SECRET_STATE_ACCEPTED, SECRET_STATE_DISCARDED, SECRET_STATE_REQUESTED };

export interface SecretChatRow {
  id: number;
  adminId: bigint;
  adminDevice: bigint;
  participantId: bigint;
  participantDevice: bigint | null;
  state: number;
  requestRandomId: number;
  gA: Buffer | null;
  gB: Buffer | null;
  keyFingerprint: bigint | null;
  historyDeleted: boolean;
  /** Unix seconds. */
  date: number;
  changedAt: number;
}

export interface QueuedMessage {
  chatId: number;
  randomId: bigint;
  date: number;
  service: boolean;
  bytes: Buffer;
  fileId: bigint | null;
}

export interface StoredSecretMessage extends QueuedMessage {
  qts: number;
}

export interface SecretFileRow {
  id: bigint;
  chatId: number;
  size: number;
  keyFingerprint: number;
  blobKey: string;
  date: number;
}

/** Bounds of what waits for a device (Echo's limits: Telegram does not publish its own). */
export interface SecretQueueLimits {
  /** Messages a device has not acknowledged; beyond this the oldest go. */
  maxPendingPerDevice: number;
  /** Seconds an unacknowledged message is kept. */
  pendingTtlSeconds: number;
}

export const DEFAULT_SECRET_QUEUE_LIMITS: SecretQueueLimits = { maxPendingPerDevice: 10_000, pendingTtlSeconds: 7 * 24 * 3600 };

type ChatSelect = {
  id: number | bigint;
  admin_id: bigint;
  admin_device: bigint;
  participant_id: bigint;
  participant_device: bigint | null;
  state: number | bigint;
  request_random_id: number | bigint;
  g_a: Buffer | null;
  g_b: Buffer | null;
  key_fingerprint: bigint | null;
  history_deleted: number | bigint;
  date: number | bigint;
  changed_at: number | bigint;
};

function chatRow(r: ChatSelect): SecretChatRow {
  return {
    id: Number(r.id),
    adminId: BigInt(r.admin_id),
    adminDevice: BigInt(r.admin_device),
    participantId: BigInt(r.participant_id),
    participantDevice: r.participant_device === null ? null : BigInt(r.participant_device),
    state: Number(r.state),
    requestRandomId: Number(r.request_random_id),
    gA: r.g_a ? Buffer.from(r.g_a) : null,
    gB: r.g_b ? Buffer.from(r.g_b) : null,
    keyFingerprint: r.key_fingerprint === null ? null : BigInt(r.key_fingerprint),
    historyDeleted: Number(r.history_deleted) !== 0,
    date: Number(r.date),
    changedAt: Number(r.changed_at),
  };
}

function fileRow(r: { id: bigint; chat_id: number | bigint; size: bigint; key_fingerprint: number | bigint; blob_key: string; date: number | bigint }): SecretFileRow {
  return { id: BigInt(r.id), chatId: Number(r.chat_id), size: Number(r.size), keyFingerprint: Number(r.key_fingerprint), blobKey: r.blob_key, date: Number(r.date) };
}

/** Attempts at a free random chat id before giving up (the 31-bit space is large; a clash is rare). */
const CHAT_ID_ATTEMPTS = 8;

export class SecretChatStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly limits: SecretQueueLimits = DEFAULT_SECRET_QUEUE_LIMITS,
  ) {}

  async chat(id: number): Promise<SecretChatRow | undefined> {
    const r = await this.db.selectFrom('secret_chats').selectAll().where('id', '=', id).executeTakeFirst();
    return r && chatRow(r as ChatSelect);
  }

  /** The chat a device already requested with this random_id (a repeated requestEncryption). */
  async byRequest(adminDevice: bigint, randomId: number): Promise<SecretChatRow | undefined> {
    const r = await this.db.selectFrom('secret_chats').selectAll().where('admin_device', '=', adminDevice).where('request_random_id', '=', randomId).executeTakeFirst();
    return r && chatRow(r as ChatSelect);
  }

  /** Stores a new request under a random free id from `nextId`. */
  async insertRequest(c: { adminId: bigint; adminDevice: bigint; participantId: bigint; requestRandomId: number; gA: Buffer; date: number }, nextId: () => number): Promise<SecretChatRow> {
    for (let attempt = 1; ; attempt++) {
      const id = nextId();
      try {
        await this.db
          .insertInto('secret_chats')
          .values({
            id,
            admin_id: c.adminId,
            admin_device: c.adminDevice,
            participant_id: c.participantId,
            participant_device: null,
            state: SECRET_STATE_REQUESTED,
            request_random_id: c.requestRandomId,
            g_a: c.gA,
            g_b: null,
            key_fingerprint: null,
            history_deleted: 0,
            date: c.date,
            changed_at: c.date,
          })
          .execute();
        return (await this.chat(id))!;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= CHAT_ID_ATTEMPTS) throw err;
      }
    }
  }

  /** Binds a requested chat to the participant's device; false when it is no longer waiting. */
  async accept(id: number, participantDevice: bigint, gB: Buffer, keyFingerprint: bigint, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('secret_chats')
      .set({ state: SECRET_STATE_ACCEPTED, participant_device: participantDevice, g_b: gB, key_fingerprint: keyFingerprint, changed_at: now })
      .where('id', '=', id)
      .where('state', '=', SECRET_STATE_REQUESTED)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Marks the chat discarded and deletes its queued messages and file rows in one transaction; answers the
   * blob keys no other file row names any more (the caller deletes those blobs), or undefined when the chat
   * was already discarded.
   */
  async discard(id: number, historyDeleted: boolean, now: number): Promise<string[] | undefined> {
    return retryOnConflict(() =>
      this.db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('secret_chats')
          .set({ state: SECRET_STATE_DISCARDED, history_deleted: historyDeleted ? 1 : 0, g_a: null, g_b: null, changed_at: now })
          .where('id', '=', id)
          .where('state', '!=', SECRET_STATE_DISCARDED)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return undefined;
        await tx.deleteFrom('secret_messages').where('chat_id', '=', id).execute();
        const files = await tx.selectFrom('secret_files').select('blob_key').where('chat_id', '=', id).execute();
        await tx.deleteFrom('secret_files').where('chat_id', '=', id).execute();
        const keys = [...new Set(files.map((f) => f.blob_key))];
        if (keys.length === 0) return [];
        const still = await tx.selectFrom('secret_files').select('blob_key').where('blob_key', 'in', keys).execute();
        const kept = new Set(still.map((f) => f.blob_key));
        return keys.filter((k) => !kept.has(k));
      }),
    );
  }

  /** Chats of a user whose state changed at or after `since` (unix seconds), oldest change first. */
  async changedSince(userId: bigint, since: number, limit: number): Promise<SecretChatRow[]> {
    const rows = await this.db
      .selectFrom('secret_chats')
      .selectAll()
      .where((eb) => eb.or([eb('admin_id', '=', userId), eb('participant_id', '=', userId)]))
      .where('changed_at', '>=', since)
      .orderBy('changed_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => chatRow(r as ChatSelect));
  }

  /** The device's qts: the number of the last message queued for it (0 before the first). */
  async qts(device: bigint): Promise<number> {
    const r = await this.db.selectFrom('secret_qts').select('qts').where('device', '=', device).executeTakeFirst();
    return r ? Number(r.qts) : 0;
  }

  /**
   * Queues a message for `device` under its next qts. A random_id the device already has queued answers that
   * message (a repeated send is not delivered twice). Beyond the pending limit the oldest queued go.
   */
  async enqueue(device: bigint, m: QueuedMessage): Promise<{ qts: number; date: number; duplicate: boolean }> {
    const existing = await this.db.selectFrom('secret_messages').select(['qts', 'date']).where('device', '=', device).where('random_id', '=', m.randomId).executeTakeFirst();
    if (existing) return { qts: Number(existing.qts), date: Number(existing.date), duplicate: true };
    try {
      await this.db.insertInto('secret_qts').values({ device, qts: 0 }).execute();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const dialect = dialectOf(this.db);
    try {
      return await retryOnConflict(() =>
        this.db.transaction().execute(async (tx) => {
          const row = await lockingRead(tx.selectFrom('secret_qts').select('qts').where('device', '=', device), dialect).executeTakeFirstOrThrow();
          const qts = Number(row.qts) + 1;
          await tx.updateTable('secret_qts').set({ qts }).where('device', '=', device).execute();
          await tx
            .insertInto('secret_messages')
            .values({ device, qts, chat_id: m.chatId, random_id: m.randomId, date: m.date, service: m.service ? 1 : 0, bytes: m.bytes, file_id: m.fileId })
            .execute();
          if (qts > this.limits.maxPendingPerDevice) await tx.deleteFrom('secret_messages').where('device', '=', device).where('qts', '<=', qts - this.limits.maxPendingPerDevice).execute();
          return { qts, date: m.date, duplicate: false };
        }),
      );
    } catch (err) {
      // The same random_id sent twice at once: the other send queued it.
      if (!isDuplicateKey(err)) throw err;
      const again = await this.db.selectFrom('secret_messages').select(['qts', 'date']).where('device', '=', device).where('random_id', '=', m.randomId).executeTakeFirst();
      if (!again) throw err;
      return { qts: Number(again.qts), date: Number(again.date), duplicate: true };
    }
  }

  /** Queued messages of a device after `afterQts`, in qts order. */
  async pending(device: bigint, afterQts: number, limit: number): Promise<StoredSecretMessage[]> {
    const rows = await this.db.selectFrom('secret_messages').selectAll().where('device', '=', device).where('qts', '>', afterQts).orderBy('qts').limit(limit).execute();
    return rows.map((r) => ({
      qts: Number(r.qts),
      chatId: Number(r.chat_id),
      randomId: BigInt(r.random_id),
      date: Number(r.date),
      service: Number(r.service) !== 0,
      bytes: Buffer.from(r.bytes),
      fileId: r.file_id === null ? null : BigInt(r.file_id),
    }));
  }

  /** Deletes what the device acknowledged (qts <= maxQts); answers their random_ids. */
  async acknowledge(device: bigint, maxQts: number): Promise<bigint[]> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx.selectFrom('secret_messages').select('random_id').where('device', '=', device).where('qts', '<=', maxQts).orderBy('qts').execute();
      if (rows.length > 0) await tx.deleteFrom('secret_messages').where('device', '=', device).where('qts', '<=', maxQts).execute();
      return rows.map((r) => BigInt(r.random_id));
    });
  }

  /** Deletes messages nobody acknowledged within the time limit; answers how many. */
  async expire(now: number): Promise<number> {
    const r = await this.db.deleteFrom('secret_messages').where('date', '<', now - this.limits.pendingTtlSeconds).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async insertFile(f: SecretFileRow): Promise<void> {
    await this.db.insertInto('secret_files').values({ id: f.id, chat_id: f.chatId, size: f.size, key_fingerprint: f.keyFingerprint, blob_key: f.blobKey, date: f.date }).execute();
  }

  async file(id: bigint): Promise<SecretFileRow | undefined> {
    const r = await this.db.selectFrom('secret_files').selectAll().where('id', '=', id).executeTakeFirst();
    return r && fileRow(r);
  }

  async files(ids: readonly bigint[]): Promise<Map<bigint, SecretFileRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('secret_files').selectAll().where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [BigInt(r.id), fileRow(r)]));
  }
}
