// SQL access for photos, documents and profile photos (tables in infra/db/tables/media.ts).
import type { Kysely, Selectable } from 'kysely';
import type { Tables } from '../../infra/db/schema.js';
import type { MediaDocumentsTable, MediaPhotosTable } from '../../infra/db/tables/media.js';

export type PhotoRow = Selectable<MediaPhotosTable>;
export type DocumentRow = Selectable<MediaDocumentsTable>;

export class MediaStore {
  constructor(private readonly db: Kysely<Tables>) {}

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
    await this.db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('profile_photos').set({ set_at: at }).where('user_id', '=', userId).where('photo_id', '=', photoId).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) await tx.insertInto('profile_photos').values({ user_id: userId, photo_id: photoId, set_at: at }).execute();
    });
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
    await this.db.deleteFrom('profile_photos').where('user_id', '=', userId).where('photo_id', 'in', present.map((r) => r.photo_id)).execute();
    return present.map((r) => r.photo_id);
  }
}
