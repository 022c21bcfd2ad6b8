// Row types of the tables for photos, documents and profile photos (see infra/db/schema.ts and migration
// 0008_media). INTEGER columns read back as bigint (safe integers).
import type { ColumnType } from 'kysely';

type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
type NullableBlob = ColumnType<Buffer | null, Uint8Array | null | undefined, Uint8Array | null>;

/** A photo: every stored size is a blob in the `photos` bucket. */
export interface MediaPhotosTable {
  id: Int64;
  owner_id: Int64;
  date: Int64;
  /** JSON StoredSize[] (photoSize entries, smallest first). */
  sizes: string;
  /** photoStrippedSize bytes ('i'), if the image could be reduced to one. */
  stripped: NullableBlob;
  /** JSON StoredSize[] of videoSize entries (animated profile photos), '[]' when none. */
  video_sizes: string;
}

/** A document: the file itself plus its thumbnails. */
export interface MediaDocumentsTable {
  id: Int64;
  owner_id: Int64;
  date: Int64;
  mime_type: string;
  size: Int64;
  bucket: string;
  blob_key: string;
  /** TL-encoded Vector<DocumentAttribute> (canonical layer). */
  attributes: ColumnType<Buffer, Uint8Array, Uint8Array>;
  /** JSON StoredSize[] of thumbnails in the `photos` bucket. */
  thumbs: string;
  stripped: NullableBlob;
}

/** The profile photos of a user; the one with the latest set_at is current. */
export interface ProfilePhotosTable {
  user_id: Int64;
  photo_id: Int64;
  /** Milliseconds; photos.updateProfilePhoto bumps it to make an old photo current again. */
  set_at: Int64;
}

export interface MediaTables {
  media_photos: MediaPhotosTable;
  media_documents: MediaDocumentsTable;
  profile_photos: ProfilePhotosTable;
}
