// SQL access for photos, documents and profile photos (tables in infra/db/tables/media.ts). Each user's
// current profile photo is cached (every user object shown carries it): the profile photo writes all go
// through this store and drop the entry, and with several nodes they are announced so the others do too.
import type { Kysely, Selectable } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import type { MediaDocumentsTable, MediaPhotosTable } from '../../infra/db/tables/media.js';
import type { Broadcast } from '../../infra/kv/broadcast.js';
import { BoundedCache } from '../../common/bounded-cache.js';

export type PhotoRow = Selectable<MediaPhotosTable>;
export type DocumentRow = Selectable<MediaDocumentsTable>;

/** The broadcast channel telling every node whose profile photos changed (the message is the user's id). */
export const PROFILE_PHOTOS_INVALIDATION_CHANNEL = 'echo:profile-photos';

export interface MediaStoreOptions {
  /** Users whose current photo stays cached (least recently used dropped first). */
  cacheEntries?: number;
  /** How long a cached answer is trusted (ms): heals an announcement this node missed. */
  cacheMaxAgeMs?: number;
  now?: () => number;
  onBroadcastError?: (err: Error, userId: bigint) => void;
}

export class MediaStore {
  /** user id -> the current profile photo's row, or undefined for none (a photo row never changes). */
  private readonly current: BoundedCache<bigint, PhotoRow | undefined>;
  private invalidations: Broadcast | undefined;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly opts: MediaStoreOptions = {},
  ) {
    this.current = new BoundedCache({ maxEntries: opts.cacheEntries ?? 100_000, maxAgeMs: opts.cacheMaxAgeMs ?? 60_000, now: opts.now ?? Date.now });
  }

  /** Announces profile photo changes made here to every node and applies theirs. Resolves once subscribed. */
  async shareInvalidations(broadcast: Broadcast): Promise<void> {
    this.invalidations = broadcast;
    await broadcast.subscribe(PROFILE_PHOTOS_INVALIDATION_CHANNEL, (message) => {
      if (/^\d+$/.test(message)) this.current.delete(BigInt(message));
    });
  }

  /** The user's current profile photo (the latest set), or undefined. */
  currentProfilePhoto(userId: bigint): Promise<PhotoRow | undefined> {
    return this.current.get(userId, async () => {
      const [id] = await this.profilePhotoIds(userId, { limit: 1 });
      return id === undefined ? undefined : this.photo(id);
    });
  }

  private async profilePhotosChanged(userId: bigint): Promise<void> {
    this.current.delete(userId);
    // The change is stored: a failed announcement must not make it look failed; other nodes' entries age out.
    await this.invalidations?.publish(PROFILE_PHOTOS_INVALIDATION_CHANNEL, userId.toString()).catch((err: Error) => this.opts.onBroadcastError?.(err, userId));
  }

  async insertPhoto(row: PhotoRow): Promise<void> {
    await this.db.insertInto('media_photos').values(row).execute();
  }

  async photo(id: bigint): Promise<PhotoRow | undefined> {
    return this.db.selectFrom('media_photos').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async photos(ids: readonly bigint[]): Promise<Map<bigint, PhotoRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('media_photos').selectAll().where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  async insertDocument(row: DocumentRow): Promise<void> {
    await this.db.insertInto('media_documents').values(row).execute();
  }

  async document(id: bigint): Promise<DocumentRow | undefined> {
    return this.db.selectFrom('media_documents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Makes `photoId` the user's current profile photo (adding it to the list if needed). */
  async setProfilePhoto(userId: bigint, photoId: bigint, at: number): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        const res = await tx.updateTable('profile_photos').set({ set_at: at }).where('user_id', '=', userId).where('photo_id', '=', photoId).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) await tx.insertInto('profile_photos').values({ user_id: userId, photo_id: photoId, set_at: at }).execute();
      });
    } finally {
      await this.profilePhotosChanged(userId);
    }
  }

  /** The user's profile photo ids, current first. */
  async profilePhotoIds(userId: bigint, opts: { offset?: number; maxId?: bigint; limit?: number } = {}): Promise<bigint[]> {
    let q = this.db.selectFrom('profile_photos').select('photo_id').where('user_id', '=', userId);
    if (opts.maxId !== undefined && opts.maxId > 0n) q = q.where('photo_id', '<', opts.maxId);
    q = q.orderBy('set_at', 'desc').orderBy('photo_id', 'desc');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    if (opts.offset) q = q.offset(opts.offset);
    return (await q.execute()).map((r) => r.photo_id);
  }

  async countProfilePhotos(userId: bigint): Promise<number> {
    const row = await this.db.selectFrom('profile_photos').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', userId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async hasProfilePhoto(userId: bigint, photoId: bigint): Promise<boolean> {
    return (await this.db.selectFrom('profile_photos').select('photo_id').where('user_id', '=', userId).where('photo_id', '=', photoId).executeTakeFirst()) !== undefined;
  }

  /** Removes photos from the user's list; returns the ids that were there. */
  async removeProfilePhotos(userId: bigint, photoIds: readonly bigint[]): Promise<bigint[]> {
    if (photoIds.length === 0) return [];
    const present = await this.db.selectFrom('profile_photos').select('photo_id').where('user_id', '=', userId).where('photo_id', 'in', [...photoIds]).execute();
    if (present.length === 0) return [];
    try {
      await this.db.deleteFrom('profile_photos').where('user_id', '=', userId).where('photo_id', 'in', present.map((r) => r.photo_id)).execute();
    } finally {
      await this.profilePhotosChanged(userId);
    }
    return present.map((r) => r.photo_id);
  }
}
