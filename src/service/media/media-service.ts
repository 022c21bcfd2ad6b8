// The Media service: what uploaded files become (photos with their sizes, documents with attributes and
// thumbnails), the API objects for them, InputMedia resolution for the message pipeline, file locations
// for downloads, and profile photos.
import { RpcError } from '../../common/rpc-error.js';
import { readAll, type BlobBucket } from '../../infra/blob/blob-store.js';
import type { TimeOrderedIds } from '../idgen.js';
import type { Logger } from '../../infra/log.js';
import type { Obj, TlType } from '../../tl/index.js';
import type { AccessHashes } from '../access-hash.js';
import type { DfsService, StoredFile } from '../dfs/index.js';
import type { FileReferences } from '../dfs/file-references.js';
import type { PrivacyRules } from '../privacy/rules.js';
import type { Broadcast } from '../../infra/kv/broadcast.js';
import { decodeAttributes, encodeAttributes, parseSizes, storageFileType, timeOrderedId, type StoredSize } from './codec.js';
import { MediaStore, type DocumentRow, type PhotoRow } from './media-store.js';
import { DOCUMENT_THUMB_SIZES, MAX_PHOTO_BYTES, MESSAGE_PHOTO_SIZES, PROFILE_PHOTO_SIZES, processPhoto, type ProcessedPhoto, type SizeSpec } from './photo-processor.js';
import type { MediaProbe } from './probe.js';

export interface MediaDeps {
  store: MediaStore;
  dfs: DfsService;
  refs: FileReferences;
  accessHashes: AccessHashes;
  probe: MediaProbe;
  privacy: PrivacyRules;
  dcId: number;
  now(): number;
  random(n: number): Buffer;
  log: Logger;
  /** Photo and document ids; without it, time plus 20 random bits (tests). */
  ids?: TimeOrderedIds;
}

/** What upload.getFile reads. */
export interface FileLocation {
  bucket: BlobBucket;
  key: string;
  size: number;
  type: TlType<'storage.FileType'>;
  mtime: number;
}

/** A profile (or group) photo as uploaded: a still, a video, or both (photos.uploadProfilePhoto, inputChatUploadedPhoto). */
export interface ProfilePhotoUpload {
  file?: TlType<'InputFile'>;
  video?: TlType<'InputFile'>;
  videoStartTs?: number;
}

/** What user objects show as userProfilePhoto. */
export interface CurrentPhoto {
  photoId: bigint;
  strippedThumb?: Buffer;
  hasVideo: boolean;
  dcId: number;
}

/** The InputMedia forms that carry a document. */
type InputDocumentMedia = Obj<'inputMediaUploadedDocument'> | Obj<'inputMediaDocument'>;

/** Images sent as documents get a thumbnail when they are at most this big. */
const MAX_IMAGE_THUMB_SOURCE = 20 * 1024 * 1024;
const IMAGE_MIME = /^image\/(jpeg|png|webp|gif|tiff|avif|heic|heif)$/i;

/** The stripped thumbnail (type i) when there is one, then the rendered sizes. */
function photoSizes(stripped: Buffer | null, stored: readonly StoredSize[]): TlType<'PhotoSize'>[] {
  const out: TlType<'PhotoSize'>[] = [];
  if (stripped) out.push({ _: 'photoStrippedSize', type: 'i', bytes: stripped });
  for (const s of stored) out.push({ _: 'photoSize', type: s.type, w: s.w, h: s.h, size: s.size });
  return out;
}

export class MediaService {
  constructor(private readonly deps: MediaDeps) {}

  /** Shares the current profile photo cache's invalidations with the other nodes. Resolves once subscribed. */
  shareInvalidations(broadcast: Broadcast): Promise<void> {
    return this.deps.store.shareInvalidations(broadcast);
  }

  private newId(): bigint {
    return this.deps.ids?.next() ?? timeOrderedId(this.deps.now(), this.deps.random);
  }

  // ---- API objects -------------------------------------------------------------------------------

  /**
   * access_hash of a photo or document. Viewer-independent on purpose: one media object is stored inside a
   * message that every participant reads, and must work for each of them when re-sent or downloaded.
   */
  accessHash(kind: 'photo' | 'document', id: bigint): bigint {
    return this.deps.accessHashes.of(kind, 0n, id);
  }

  photoObject(row: PhotoRow): Obj<'photo'> {
    const sizes = parseSizes(row.sizes);
    const videoSizes = parseSizes(row.video_sizes);
    return {
      _: 'photo',
      id: row.id,
      accessHash: this.accessHash('photo', row.id),
      fileReference: this.deps.refs.make('photo', row.id),
      date: Number(row.date),
      sizes: photoSizes(row.stripped, sizes),
      videoSizes: videoSizes.length
        ? videoSizes.map((s): Obj<'videoSize'> => ({ _: 'videoSize', type: s.type, w: s.w, h: s.h, size: s.size, videoStartTs: s.videoStartTs }))
        : undefined,
      dcId: this.deps.dcId,
    };
  }

  documentObject(row: DocumentRow): Obj<'document'> {
    const thumbs = photoSizes(row.stripped, parseSizes(row.thumbs));
    return {
      _: 'document',
      id: row.id,
      accessHash: this.accessHash('document', row.id),
      fileReference: this.deps.refs.make('document', row.id),
      date: Number(row.date),
      mimeType: row.mime_type,
      size: row.size,
      thumbs: thumbs.length ? thumbs : undefined,
      dcId: this.deps.dcId,
      attributes: decodeAttributes(row.attributes),
    };
  }

  /**
   * Gives every photo and document inside `obj` (a MessageMedia, a message, a list...) a fresh
   * file_reference. Stored messages hold the references of the day they were sent; readers call this.
   */
  refreshReferences<T>(obj: T): T {
    // walk copies the value field by field and only replaces file_reference Buffers: the shape stays T.
    return this.walk(obj, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (depth > 12 || value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, depth + 1);
    const kind = out._;
    if ((kind === 'photo' || kind === 'document') && typeof out.id === 'bigint') out.fileReference = this.deps.refs.make(kind, out.id);
    return out;
  }

  // ---- creating media ----------------------------------------------------------------------------

  /** Processes an uploaded image into a photo (PHOTO_INVALID for anything that is not an image). */
  async photoFromUpload(userId: bigint, inputFile: TlType<'InputFile'>, specs: readonly SizeSpec[] = MESSAGE_PHOTO_SIZES, video?: { file: TlType<'InputFile'>; startTs?: number }): Promise<PhotoRow> {
    const id = this.newId();
    const stored = await this.deps.dfs.takeUpload(userId, inputFile, { bucket: 'photos', key: `p${id}_src` });
    if (stored.size > MAX_PHOTO_BYTES) throw RpcError.badRequest('PHOTO_SAVE_FILE_INVALID');
    const processed = await processPhoto(await this.imageSource(stored, MAX_PHOTO_BYTES), specs);
    const videoSizes = video ? await this.profileVideo(userId, id, video.file, video.startTs) : [];
    return this.savePhoto(userId, id, processed, videoSizes);
  }

  private async savePhoto(userId: bigint, id: bigint, processed: ProcessedPhoto, videoSizes: StoredSize[] = []): Promise<PhotoRow> {
    const sizes = await this.storeSizes(`p${id}`, processed.sizes);
    const row: PhotoRow = {
      id,
      owner_id: userId,
      date: BigInt(Math.floor(this.deps.now() / 1000)),
      sizes: JSON.stringify(sizes),
      stripped: processed.stripped ?? null,
      video_sizes: JSON.stringify(videoSizes),
    };
    await this.deps.store.insertPhoto(row);
    return row;
  }

  /** Writes each rendered size to the photos bucket as `<prefix>_<type>`. */
  private async storeSizes(prefix: string, rendered: ProcessedPhoto['sizes']): Promise<StoredSize[]> {
    const stored: StoredSize[] = [];
    for (const s of rendered) {
      const key = `${prefix}_${s.type}`;
      await this.deps.dfs.blobs.put('photos', key, s.data);
      stored.push({ type: s.type, w: s.w, h: s.h, size: s.data.length, key });
    }
    return stored;
  }

  private async profileVideo(userId: bigint, photoId: bigint, file: TlType<'InputFile'>, startTs?: number): Promise<StoredSize[]> {
    const key = `p${photoId}_u`;
    const stored = await this.deps.dfs.takeUpload(userId, file, { bucket: 'videos', key });
    const path = this.deps.dfs.blobs.localPath?.(stored.bucket, stored.key);
    const probed = path ? await this.deps.probe.probe(path) : undefined;
    const w = probed?.width ?? 800;
    const h = probed?.height ?? 800;
    return [{ type: 'u', w, h, size: stored.size, key: stored.key, videoStartTs: startTs }];
  }

  /** A document from inputMediaUploadedDocument, with the client's attributes and derived ones added. */
  async documentFromUpload(userId: bigint, media: Obj<'inputMediaUploadedDocument'>): Promise<DocumentRow> {
    const id = this.newId();
    const mime = media.mimeType.trim() ? media.mimeType.trim().toLowerCase() : 'application/octet-stream';
    const bucket: BlobBucket = mime.startsWith('video/') ? 'videos' : 'documents';
    const stored = await this.deps.dfs.takeUpload(userId, media.file, { bucket, key: `d${id}` });
    const attributes: TlType<'DocumentAttribute'>[] = [...media.attributes];
    const has = (name: TlType<'DocumentAttribute'>['_']) => attributes.some((a) => a._ === name);

    let processed: ProcessedPhoto | undefined;
    if (media.thumb) {
      try {
        const thumb = await this.deps.dfs.takeUpload(userId, media.thumb, { bucket: 'photos', key: `d${id}_tsrc` });
        processed = await processPhoto(await this.imageSource(thumb, MAX_PHOTO_BYTES), DOCUMENT_THUMB_SIZES);
      } catch (err) {
        if (err instanceof RpcError && err.errorMessage.startsWith('FILE_PART')) throw err;
        this.deps.log.debug({ err: (err as Error).message }, 'client thumbnail unusable; document sent without it');
      }
    }
    if (IMAGE_MIME.test(mime) && stored.size <= MAX_IMAGE_THUMB_SOURCE && !has('documentAttributeSticker')) {
      try {
        const fromImage = await processPhoto(await this.imageSource(stored, MAX_IMAGE_THUMB_SOURCE), DOCUMENT_THUMB_SIZES);
        processed ??= fromImage;
        if (!has('documentAttributeImageSize')) attributes.push({ _: 'documentAttributeImageSize', w: fromImage.width, h: fromImage.height });
      } catch {
        // Not decodable: still a valid document.
      }
    }
    if (mime.startsWith('video/') || mime.startsWith('audio/') || has('documentAttributeVideo') || has('documentAttributeAudio')) {
      processed = await this.probeAv(stored, attributes, processed, Boolean(media.nosoundVideo));
    }

    const thumbs = await this.storeSizes(`d${id}`, processed?.sizes ?? []);
    const row: DocumentRow = {
      id,
      owner_id: userId,
      date: BigInt(Math.floor(this.deps.now() / 1000)),
      mime_type: mime.slice(0, 255),
      size: BigInt(stored.size),
      bucket: stored.bucket,
      blob_key: stored.key,
      attributes: encodeAttributes(attributes),
      thumbs: JSON.stringify(thumbs),
      stripped: processed?.stripped ?? null,
    };
    await this.deps.store.insertDocument(row);
    return row;
  }

  /**
   * Fills in missing video/audio attributes and a missing video thumbnail with ffprobe/ffmpeg. Attributes
   * the client sent are kept as they are.
   */
  private async probeAv(stored: StoredFile, attributes: TlType<'DocumentAttribute'>[], thumb: ProcessedPhoto | undefined, nosound: boolean): Promise<ProcessedPhoto | undefined> {
    const hasVideoAttr = attributes.some((a) => a._ === 'documentAttributeVideo');
    const hasAudioAttr = attributes.some((a) => a._ === 'documentAttributeAudio');
    // Audio with its attribute, or video with its attribute and a thumbnail: nothing left to derive.
    if ((hasAudioAttr && !hasVideoAttr) || (hasVideoAttr && thumb)) return thumb;
    const path = this.deps.dfs.blobs.localPath?.(stored.bucket, stored.key);
    // Remote stores: probing would need a local copy first; the client's data stands.
    if (!path) return thumb;
    const probed = await this.deps.probe.probe(path);
    if (!probed) return thumb;
    if (probed.hasVideo && !hasVideoAttr && probed.width && probed.height) {
      attributes.push({ _: 'documentAttributeVideo', supportsStreaming: true, nosound: nosound || !probed.hasAudio || undefined, duration: probed.duration ?? 0, w: probed.width, h: probed.height });
    } else if (!probed.hasVideo && probed.hasAudio && !hasAudioAttr) {
      attributes.push({ _: 'documentAttributeAudio', duration: Math.round(probed.duration ?? 0) });
    }
    if (!thumb && probed.hasVideo) {
      const at = Math.min(1, (probed.duration ?? 0) / 3);
      const frame = await this.deps.probe.frame(path, at);
      if (frame) thumb = await processPhoto(frame, DOCUMENT_THUMB_SIZES).catch(() => undefined);
    }
    return thumb;
  }

  /** sharp input for a stored image: the file itself when local, else its bytes (bounded). */
  private async imageSource(stored: StoredFile, maxBytes: number): Promise<Buffer | string> {
    const path = this.deps.dfs.blobs.localPath?.(stored.bucket, stored.key);
    if (path) return path;
    return readAll(await this.deps.dfs.blobs.read(stored.bucket, stored.key), maxBytes);
  }

  // ---- InputMedia --------------------------------------------------------------------------------

  /**
   * The MessageMedia an InputMedia stands for (messages.sendMedia, sendMultiMedia, uploadMedia). `index`
   * is the position in sendMultiMedia's list, for its FILE_REFERENCE_%d_EXPIRED form.
   */
  async resolveInputMedia(userId: bigint, inputMedia: TlType<'InputMedia'>, index?: number): Promise<TlType<'MessageMedia'>> {
    const m = inputMedia;
    switch (m._) {
      case 'inputMediaEmpty':
        throw RpcError.badRequest('MEDIA_EMPTY');
      case 'inputMediaUploadedPhoto': {
        const row = await this.photoFromUpload(userId, m.file);
        return { _: 'messageMediaPhoto', spoiler: m.spoiler || undefined, photo: this.photoObject(row), ttlSeconds: m.ttlSeconds };
      }
      case 'inputMediaPhoto': {
        const row = await this.inputPhoto(m.id, index);
        return { _: 'messageMediaPhoto', spoiler: m.spoiler || undefined, photo: this.photoObject(row), ttlSeconds: m.ttlSeconds };
      }
      case 'inputMediaUploadedDocument': {
        const row = await this.documentFromUpload(userId, m);
        return this.documentMedia(row, m);
      }
      case 'inputMediaDocument': {
        const row = await this.inputDocument(m.id, index);
        return this.documentMedia(row, m);
      }
      default:
        throw RpcError.badRequest('MEDIA_INVALID');
    }
  }

  private documentMedia(row: DocumentRow, m: InputDocumentMedia): Obj<'messageMediaDocument'> {
    const document = this.documentObject(row);
    const attrs = document.attributes;
    const video = attrs.find((a) => a._ === 'documentAttributeVideo');
    const audio = attrs.find((a) => a._ === 'documentAttributeAudio');
    const forceFile = m._ === 'inputMediaUploadedDocument' && m.forceFile;
    return {
      _: 'messageMediaDocument',
      spoiler: m.spoiler || undefined,
      video: (video && !forceFile && !attrs.some((a) => a._ === 'documentAttributeAnimated')) || undefined,
      round: video?.roundMessage || undefined,
      voice: audio?.voice || undefined,
      document,
      videoTimestamp: m.videoTimestamp,
      ttlSeconds: m.ttlSeconds,
    };
  }

  /** The photo an InputPhoto names, checking access_hash and file_reference. */
  async inputPhoto(p: TlType<'InputPhoto'>, index?: number): Promise<PhotoRow> {
    if (p._ === 'inputPhotoEmpty') throw RpcError.badRequest('MEDIA_EMPTY');
    const row = await this.deps.store.photo(p.id);
    if (!row || !this.deps.accessHashes.check('photo', 0n, row.id, p.accessHash)) throw RpcError.badRequest('PHOTO_INVALID');
    this.deps.refs.require('photo', row.id, p.fileReference, index);
    return row;
  }

  async inputDocument(d: TlType<'InputDocument'>, index?: number): Promise<DocumentRow> {
    if (d._ === 'inputDocumentEmpty') throw RpcError.badRequest('MEDIA_EMPTY');
    const row = await this.deps.store.document(d.id);
    if (!row || !this.deps.accessHashes.check('document', 0n, row.id, d.accessHash)) throw RpcError.badRequest('DOCUMENT_INVALID');
    this.deps.refs.require('document', row.id, d.fileReference, index);
    return row;
  }

  // ---- downloads ---------------------------------------------------------------------------------

  /**
   * Resolves an InputFileLocation for `viewer` (upload.getFile, upload.getFileHashes). `chatPhotoOf` gives
   * the current photo id of a basic group or channel the viewer may see (throwing for one they may not);
   * without it a chat's photo location is refused like any unknown peer.
   */
  async location(
    viewer: bigint,
    loc: TlType<'InputFileLocation'>,
    resolvePeer: (peer: TlType<'InputPeer'>) => bigint,
    chatPhotoOf?: (peer: TlType<'InputPeer'>) => Promise<bigint | undefined>,
  ): Promise<FileLocation> {
    const l = loc;
    switch (l._) {
      case 'inputPhotoFileLocation': {
        const row = await this.deps.store.photo(l.id);
        if (!row || !this.deps.accessHashes.check('photo', 0n, row.id, l.accessHash)) throw RpcError.badRequest('FILE_ID_INVALID');
        this.deps.refs.require('photo', row.id, l.fileReference);
        return this.photoSizeLocation(row, l.thumbSize);
      }
      case 'inputDocumentFileLocation': {
        const row = await this.deps.store.document(l.id);
        if (!row || !this.deps.accessHashes.check('document', 0n, row.id, l.accessHash)) throw RpcError.badRequest('FILE_ID_INVALID');
        this.deps.refs.require('document', row.id, l.fileReference);
        const thumbSize = l.thumbSize;
        if (thumbSize === '') return { bucket: row.bucket as BlobBucket, key: row.blob_key, size: Number(row.size), type: storageFileType(row.mime_type), mtime: Number(row.date) };
        const thumb = parseSizes(row.thumbs).find((s) => s.type === thumbSize);
        if (!thumb) throw RpcError.badRequest('LOCATION_INVALID');
        return { bucket: 'photos', key: thumb.key, size: thumb.size, type: { _: 'storage.fileJpeg' }, mtime: Number(row.date) };
      }
      case 'inputPeerPhotoFileLocation': {
        const photoId = l.photoId;
        if ((l.peer._ === 'inputPeerChat' || l.peer._ === 'inputPeerChannel') && chatPhotoOf) {
          // Only the group's or channel's current photo: an old one is refused as clients expect of a stale location.
          if ((await chatPhotoOf(l.peer)) !== photoId) throw RpcError.badRequest('FILE_ID_INVALID');
        } else {
          const owner = resolvePeer(l.peer);
          if (!(await this.deps.store.hasProfilePhoto(owner, photoId))) throw RpcError.badRequest('FILE_ID_INVALID');
          if (owner !== viewer && !(await this.deps.privacy.allows(owner, 'profilePhoto', viewer))) throw RpcError.badRequest('FILE_ID_INVALID');
        }
        const row = await this.deps.store.photo(photoId);
        if (!row) throw RpcError.badRequest('FILE_ID_INVALID');
        const sizes = parseSizes(row.sizes);
        const size = l.big ? sizes[sizes.length - 1] : sizes[0];
        if (!size) throw RpcError.badRequest('FILE_ID_INVALID');
        return { bucket: 'photos', key: size.key, size: size.size, type: { _: 'storage.fileJpeg' }, mtime: Number(row.date) };
      }
      default:
        throw RpcError.badRequest('LOCATION_INVALID');
    }
  }

  private photoSizeLocation(row: PhotoRow, thumbSize: string): FileLocation {
    const size = parseSizes(row.sizes).find((s) => s.type === thumbSize);
    if (size) return { bucket: 'photos', key: size.key, size: size.size, type: { _: 'storage.fileJpeg' }, mtime: Number(row.date) };
    const video = parseSizes(row.video_sizes).find((s) => s.type === thumbSize);
    if (video) return { bucket: 'videos', key: video.key, size: video.size, type: { _: 'storage.fileMp4' }, mtime: Number(row.date) };
    throw RpcError.badRequest('LOCATION_INVALID');
  }

  // ---- profile photos ----------------------------------------------------------------------------

  async uploadProfilePhoto(userId: bigint, req: ProfilePhotoUpload): Promise<PhotoRow> {
    const row = await this.profilePhotoFromUpload(userId, req);
    await this.deps.store.setProfilePhoto(userId, row.id, this.deps.now());
    return row;
  }

  /** A still and/or video uploaded as a profile or group photo, with the profile sizes. */
  private async profilePhotoFromUpload(userId: bigint, req: ProfilePhotoUpload): Promise<PhotoRow> {
    if (req.file) return this.photoFromUpload(userId, req.file, PROFILE_PHOTO_SIZES, req.video ? { file: req.video, startTs: req.videoStartTs } : undefined);
    if (req.video) return this.photoFromVideo(userId, req.video, req.videoStartTs);
    throw RpcError.badRequest('PHOTO_FILE_MISSING');
  }

  // ---- group photos (the chats area keeps which photo is a chat's current one) -------------------

  /** messages.editChatPhoto's inputChatUploadedPhoto / inputChatPhoto (ChatPhotoMedia in messenger/chats). */
  async chatPhotoFromInput(userId: bigint, input: TlType<'InputChatPhoto'>): Promise<{ id: bigint; photo: Obj<'photo'> }> {
    const i = input;
    let row: PhotoRow;
    if (i._ === 'inputChatUploadedPhoto') {
      row = await this.profilePhotoFromUpload(userId, { file: i.file, video: i.video, videoStartTs: i.videoStartTs });
    } else if (i._ === 'inputChatPhoto' && i.id._ === 'inputPhoto') {
      row = await this.inputPhoto(i.id);
    } else throw RpcError.badRequest('PHOTO_INVALID');
    return { id: row.id, photo: this.photoObject(row) };
  }

  async photoSummaries(ids: readonly bigint[]): Promise<Map<bigint, CurrentPhoto>> {
    const out = new Map<bigint, CurrentPhoto>();
    for (const [id, row] of await this.deps.store.photos([...new Set(ids)])) {
      out.set(id, { photoId: id, strippedThumb: row.stripped ?? undefined, hasVideo: parseSizes(row.video_sizes).length > 0, dcId: this.deps.dcId });
    }
    return out;
  }

  async photoObjects(ids: readonly bigint[]): Promise<Map<bigint, Obj<'photo'>>> {
    const out = new Map<bigint, Obj<'photo'>>();
    for (const [id, row] of await this.deps.store.photos([...new Set(ids)])) out.set(id, this.photoObject(row));
    return out;
  }

  /** A video-only profile photo: the still comes from a frame, which needs ffmpeg. */
  private async photoFromVideo(userId: bigint, video: TlType<'InputFile'>, startTs?: number): Promise<PhotoRow> {
    const id = this.newId();
    const videoSizes = await this.profileVideo(userId, id, video, startTs);
    const path = this.deps.dfs.blobs.localPath?.('videos', videoSizes[0]!.key);
    const frame = path ? await this.deps.probe.frame(path, startTs ?? 0) : undefined;
    if (!frame) throw RpcError.badRequest('PHOTO_FILE_MISSING');
    return this.savePhoto(userId, id, await processPhoto(frame, PROFILE_PHOTO_SIZES), videoSizes);
  }

  /** photos.updateProfilePhoto: an existing photo becomes current; inputPhotoEmpty removes the current one. */
  async updateProfilePhoto(userId: bigint, inputPhoto: TlType<'InputPhoto'>): Promise<PhotoRow | undefined> {
    if (inputPhoto._ === 'inputPhotoEmpty') {
      const [current] = await this.deps.store.profilePhotoIds(userId, { limit: 1 });
      if (current !== undefined) await this.deps.store.removeProfilePhotos(userId, [current]);
      return undefined;
    }
    const row = await this.inputPhoto(inputPhoto);
    await this.deps.store.setProfilePhoto(userId, row.id, this.deps.now());
    return row;
  }

  /** The user's profile photos as `viewer` may see them (none when privacy hides them). */
  async userPhotos(viewer: bigint, owner: bigint, opts: { offset: number; maxId: bigint; limit: number }): Promise<{ count: number; photos: Obj<'photo'>[] }> {
    if (viewer !== owner && !(await this.deps.privacy.allows(owner, 'profilePhoto', viewer))) return { count: 0, photos: [] };
    const limit = Math.max(0, Math.min(100, opts.limit || 100));
    const ids = await this.deps.store.profilePhotoIds(owner, { offset: Math.max(0, opts.offset), maxId: opts.maxId, limit });
    const rows = await this.deps.store.photos(ids);
    const photos = ids.flatMap((id) => (rows.has(id) ? [this.photoObject(rows.get(id)!)] : []));
    return { count: await this.deps.store.countProfilePhotos(owner), photos };
  }

  async deleteProfilePhotos(userId: bigint, inputPhotos: readonly TlType<'InputPhoto'>[]): Promise<bigint[]> {
    const ids = inputPhotos.flatMap((p) => (p._ === 'inputPhoto' && this.deps.accessHashes.check('photo', 0n, p.id, p.accessHash) ? [p.id] : []));
    return this.deps.store.removeProfilePhotos(userId, ids);
  }

  /** The user's current profile photo, or undefined (the privacy check is the caller's). */
  async currentPhoto(userId: bigint): Promise<CurrentPhoto | undefined> {
    const row = await this.deps.store.currentProfilePhoto(userId);
    if (!row) return undefined;
    return { photoId: row.id, strippedThumb: row.stripped ?? undefined, hasVideo: parseSizes(row.video_sizes).length > 0, dcId: this.deps.dcId };
  }
}
