// The Media service: what uploaded files become (photos with their sizes, documents with attributes and
// thumbnails), the API objects for them, InputMedia resolution for the message pipeline, file locations
// for downloads, and profile photos.
import { RpcError } from '../../common/rpc-error.js';
import { readAll, type BlobBucket } from '../../infra/blob/blob-store.js';
import type { TimeOrderedIds } from '../idgen.js';
import type { Logger } from '../../infra/log.js';
import type { TlObject } from '../../tl/index.js';
import type { AccessHashes } from '../access-hash.js';
import type { DfsService, StoredFile } from '../dfs/index.js';
import type { FileReferences } from '../dfs/file-references.js';
import type { PrivacyRules } from '../privacy/rules.js';
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
  type: TlObject;
  mtime: number;
}

/** What user objects show as userProfilePhoto. */
export interface CurrentPhoto {
  photoId: bigint;
  strippedThumb?: Buffer;
  hasVideo: boolean;
  dcId: number;
}

type Any = Record<string, any>;

/** Images sent as documents get a thumbnail when they are at most this big. */
const MAX_IMAGE_THUMB_SOURCE = 20 * 1024 * 1024;
const IMAGE_MIME = /^image\/(jpeg|png|webp|gif|tiff|avif|heic|heif)$/i;

export class MediaService {
  constructor(private readonly deps: MediaDeps) {}

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

  photoObject(row: PhotoRow): TlObject {
    const sizes = parseSizes(row.sizes);
    const videoSizes = parseSizes(row.video_sizes);
    return {
      _: 'photo',
      id: row.id,
      accessHash: this.accessHash('photo', row.id),
      fileReference: this.deps.refs.make('photo', row.id),
      date: Number(row.date),
      sizes: [
        ...(row.stripped ? [{ _: 'photoStrippedSize', type: 'i', bytes: row.stripped }] : []),
        ...sizes.map((s) => ({ _: 'photoSize', type: s.type, w: s.w, h: s.h, size: s.size })),
      ],
      videoSizes: videoSizes.length
        ? videoSizes.map((s) => ({ _: 'videoSize', type: s.type, w: s.w, h: s.h, size: s.size, videoStartTs: s.videoStartTs }))
        : undefined,
      dcId: this.deps.dcId,
    } as TlObject;
  }

  documentObject(row: DocumentRow): TlObject {
    const thumbs = [
      ...(row.stripped ? [{ _: 'photoStrippedSize', type: 'i', bytes: row.stripped }] : []),
      ...parseSizes(row.thumbs).map((s) => ({ _: 'photoSize', type: s.type, w: s.w, h: s.h, size: s.size })),
    ];
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
    } as TlObject;
  }

  /**
   * Gives every photo and document inside `obj` (a MessageMedia, a message, a list...) a fresh
   * file_reference. Stored messages hold the references of the day they were sent; readers call this.
   */
  refreshReferences<T>(obj: T): T {
    return this.walk(obj, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (depth > 12 || value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1));
    const obj = value as Any;
    const out: Any = {};
    for (const [k, v] of Object.entries(obj)) out[k] = this.walk(v, depth + 1);
    if ((obj._ === 'photo' || obj._ === 'document') && typeof obj.id === 'bigint') out.fileReference = this.deps.refs.make(obj._, obj.id);
    return out;
  }

  // ---- creating media ----------------------------------------------------------------------------

  /** Processes an uploaded image into a photo (PHOTO_INVALID for anything that is not an image). */
  async photoFromUpload(userId: bigint, inputFile: TlObject, specs: readonly SizeSpec[] = MESSAGE_PHOTO_SIZES, video?: { file: TlObject; startTs?: number }): Promise<PhotoRow> {
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

  private async profileVideo(userId: bigint, photoId: bigint, file: TlObject, startTs?: number): Promise<StoredSize[]> {
    const key = `p${photoId}_u`;
    const stored = await this.deps.dfs.takeUpload(userId, file, { bucket: 'videos', key });
    const path = this.deps.dfs.blobs.localPath?.(stored.bucket, stored.key);
    const probed = path ? await this.deps.probe.probe(path) : undefined;
    const w = probed?.width ?? 800;
    const h = probed?.height ?? 800;
    return [{ type: 'u', w, h, size: stored.size, key: stored.key, videoStartTs: startTs }];
  }

  /** A document from inputMediaUploadedDocument, with the client's attributes and derived ones added. */
  async documentFromUpload(userId: bigint, media: Any): Promise<DocumentRow> {
    const id = this.newId();
    const mime = typeof media.mimeType === 'string' && media.mimeType.trim() ? media.mimeType.trim().toLowerCase() : 'application/octet-stream';
    const bucket: BlobBucket = mime.startsWith('video/') ? 'videos' : 'documents';
    const stored = await this.deps.dfs.takeUpload(userId, media.file as TlObject, { bucket, key: `d${id}` });
    const attributes: Any[] = Array.isArray(media.attributes) ? [...media.attributes] : [];
    const has = (name: string) => attributes.some((a) => a._ === name);

    let processed: ProcessedPhoto | undefined;
    if (media.thumb) {
      try {
        const thumb = await this.deps.dfs.takeUpload(userId, media.thumb as TlObject, { bucket: 'photos', key: `d${id}_tsrc` });
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
      attributes: encodeAttributes(attributes as TlObject[]),
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
  private async probeAv(stored: StoredFile, attributes: Any[], thumb: ProcessedPhoto | undefined, nosound: boolean): Promise<ProcessedPhoto | undefined> {
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
  async resolveInputMedia(userId: bigint, inputMedia: TlObject, index?: number): Promise<TlObject> {
    const m = inputMedia as Any;
    switch (m._) {
      case 'inputMediaEmpty':
        throw RpcError.badRequest('MEDIA_EMPTY');
      case 'inputMediaUploadedPhoto': {
        const row = await this.photoFromUpload(userId, m.file as TlObject);
        return { _: 'messageMediaPhoto', spoiler: m.spoiler || undefined, photo: this.photoObject(row), ttlSeconds: m.ttlSeconds } as TlObject;
      }
      case 'inputMediaPhoto': {
        const row = await this.inputPhoto(m.id as Any, index);
        return { _: 'messageMediaPhoto', spoiler: m.spoiler || undefined, photo: this.photoObject(row), ttlSeconds: m.ttlSeconds } as TlObject;
      }
      case 'inputMediaUploadedDocument': {
        const row = await this.documentFromUpload(userId, m);
        return this.documentMedia(row, m);
      }
      case 'inputMediaDocument': {
        const row = await this.inputDocument(m.id as Any, index);
        return this.documentMedia(row, m);
      }
      default:
        throw RpcError.badRequest('MEDIA_INVALID');
    }
  }

  private documentMedia(row: DocumentRow, m: Any): TlObject {
    const document = this.documentObject(row) as Any;
    const attrs = document.attributes as Any[];
    const video = attrs.find((a) => a._ === 'documentAttributeVideo');
    const audio = attrs.find((a) => a._ === 'documentAttributeAudio');
    return {
      _: 'messageMediaDocument',
      spoiler: m.spoiler || undefined,
      video: (video && !m.forceFile && !attrs.some((a) => a._ === 'documentAttributeAnimated')) || undefined,
      round: video?.roundMessage || undefined,
      voice: audio?.voice || undefined,
      document,
      videoTimestamp: m.videoTimestamp,
      ttlSeconds: m.ttlSeconds,
    } as TlObject;
  }

  /** The photo an InputPhoto names, checking access_hash and file_reference. */
  async inputPhoto(p: Any, index?: number): Promise<PhotoRow> {
    if (!p || p._ === 'inputPhotoEmpty') throw RpcError.badRequest('MEDIA_EMPTY');
    if (p._ !== 'inputPhoto') throw RpcError.badRequest('MEDIA_INVALID');
    const row = await this.deps.store.photo(p.id as bigint);
    if (!row || !this.deps.accessHashes.check('photo', 0n, row.id, p.accessHash as bigint)) throw RpcError.badRequest('PHOTO_INVALID');
    this.deps.refs.require('photo', row.id, p.fileReference as Uint8Array, index);
    return row;
  }

  async inputDocument(d: Any, index?: number): Promise<DocumentRow> {
    if (!d || d._ === 'inputDocumentEmpty') throw RpcError.badRequest('MEDIA_EMPTY');
    if (d._ !== 'inputDocument') throw RpcError.badRequest('MEDIA_INVALID');
    const row = await this.deps.store.document(d.id as bigint);
    if (!row || !this.deps.accessHashes.check('document', 0n, row.id, d.accessHash as bigint)) throw RpcError.badRequest('DOCUMENT_INVALID');
    this.deps.refs.require('document', row.id, d.fileReference as Uint8Array, index);
    return row;
  }

  // ---- downloads ---------------------------------------------------------------------------------

  /**
   * Resolves an InputFileLocation for `viewer` (upload.getFile, upload.getFileHashes). `chatPhotoOf` gives
   * the current photo id of a basic group the viewer may see (throwing for one they may not); without it a
   * chat's photo location is refused like any unknown peer.
   */
  async location(viewer: bigint, loc: TlObject, resolvePeer: (peer: TlObject) => bigint, chatPhotoOf?: (chatId: bigint) => Promise<bigint | undefined>): Promise<FileLocation> {
    const l = loc as Any;
    switch (l._) {
      case 'inputPhotoFileLocation': {
        const row = await this.deps.store.photo(l.id as bigint);
        if (!row || !this.deps.accessHashes.check('photo', 0n, row.id, l.accessHash as bigint)) throw RpcError.badRequest('FILE_ID_INVALID');
        this.deps.refs.require('photo', row.id, l.fileReference as Uint8Array);
        return this.photoSizeLocation(row, String(l.thumbSize));
      }
      case 'inputDocumentFileLocation': {
        const row = await this.deps.store.document(l.id as bigint);
        if (!row || !this.deps.accessHashes.check('document', 0n, row.id, l.accessHash as bigint)) throw RpcError.badRequest('FILE_ID_INVALID');
        this.deps.refs.require('document', row.id, l.fileReference as Uint8Array);
        const thumbSize = String(l.thumbSize ?? '');
        if (thumbSize === '') return { bucket: row.bucket as BlobBucket, key: row.blob_key, size: Number(row.size), type: storageFileType(row.mime_type), mtime: Number(row.date) };
        const thumb = parseSizes(row.thumbs).find((s) => s.type === thumbSize);
        if (!thumb) throw RpcError.badRequest('LOCATION_INVALID');
        return { bucket: 'photos', key: thumb.key, size: thumb.size, type: { _: 'storage.fileJpeg' }, mtime: Number(row.date) };
      }
      case 'inputPeerPhotoFileLocation': {
        const photoId = l.photoId as bigint;
        if (l.peer?._ === 'inputPeerChat' && chatPhotoOf) {
          // Only the chat's current photo: an old one is refused as clients expect of a stale location.
          if ((await chatPhotoOf(l.peer.chatId as bigint)) !== photoId) throw RpcError.badRequest('FILE_ID_INVALID');
        } else {
          const owner = resolvePeer(l.peer as TlObject);
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

  async uploadProfilePhoto(userId: bigint, req: { file?: TlObject; video?: TlObject; videoStartTs?: number }): Promise<PhotoRow> {
    const row = await this.profilePhotoFromUpload(userId, req);
    await this.deps.store.setProfilePhoto(userId, row.id, this.deps.now());
    return row;
  }

  /** A still and/or video uploaded as a profile or group photo, with the profile sizes. */
  private async profilePhotoFromUpload(userId: bigint, req: { file?: TlObject; video?: TlObject; videoStartTs?: number }): Promise<PhotoRow> {
    if (req.file) return this.photoFromUpload(userId, req.file, PROFILE_PHOTO_SIZES, req.video ? { file: req.video, startTs: req.videoStartTs } : undefined);
    if (req.video) return this.photoFromVideo(userId, req.video, req.videoStartTs);
    throw RpcError.badRequest('PHOTO_FILE_MISSING');
  }

  // ---- group photos (the chats area keeps which photo is a chat's current one) -------------------

  /** messages.editChatPhoto's inputChatUploadedPhoto / inputChatPhoto (ChatPhotoMedia in messenger/chats). */
  async chatPhotoFromInput(userId: bigint, input: TlObject): Promise<{ id: bigint; photo: TlObject }> {
    const i = input as Any;
    let row: PhotoRow;
    if (i._ === 'inputChatUploadedPhoto') {
      row = await this.profilePhotoFromUpload(userId, { file: i.file, video: i.video, videoStartTs: i.videoStartTs });
    } else if (i._ === 'inputChatPhoto' && i.id?._ === 'inputPhoto') {
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

  async photoObjects(ids: readonly bigint[]): Promise<Map<bigint, TlObject>> {
    const out = new Map<bigint, TlObject>();
    for (const [id, row] of await this.deps.store.photos([...new Set(ids)])) out.set(id, this.photoObject(row));
    return out;
  }

  /** A video-only profile photo: the still comes from a frame, which needs ffmpeg. */
  private async photoFromVideo(userId: bigint, video: TlObject, startTs?: number): Promise<PhotoRow> {
    const id = this.newId();
    const videoSizes = await this.profileVideo(userId, id, video, startTs);
    const path = this.deps.dfs.blobs.localPath?.('videos', videoSizes[0]!.key);
    const frame = path ? await this.deps.probe.frame(path, startTs ?? 0) : undefined;
    if (!frame) throw RpcError.badRequest('PHOTO_FILE_MISSING');
    return this.savePhoto(userId, id, await processPhoto(frame, PROFILE_PHOTO_SIZES), videoSizes);
  }

  /** photos.updateProfilePhoto: an existing photo becomes current; inputPhotoEmpty removes the current one. */
  async updateProfilePhoto(userId: bigint, inputPhoto: TlObject): Promise<PhotoRow | undefined> {
    if ((inputPhoto as Any)._ === 'inputPhotoEmpty') {
      const [current] = await this.deps.store.profilePhotoIds(userId, { limit: 1 });
      if (current !== undefined) await this.deps.store.removeProfilePhotos(userId, [current]);
      return undefined;
    }
    const row = await this.inputPhoto(inputPhoto as Any);
    await this.deps.store.setProfilePhoto(userId, row.id, this.deps.now());
    return row;
  }

  /** The user's profile photos as `viewer` may see them (none when privacy hides them). */
  async userPhotos(viewer: bigint, owner: bigint, opts: { offset: number; maxId: bigint; limit: number }): Promise<{ count: number; photos: TlObject[] }> {
    if (viewer !== owner && !(await this.deps.privacy.allows(owner, 'profilePhoto', viewer))) return { count: 0, photos: [] };
    const limit = Math.max(0, Math.min(100, opts.limit || 100));
    const ids = await this.deps.store.profilePhotoIds(owner, { offset: Math.max(0, opts.offset), maxId: opts.maxId, limit });
    const rows = await this.deps.store.photos(ids);
    const photos = ids.flatMap((id) => (rows.has(id) ? [this.photoObject(rows.get(id)!)] : []));
    return { count: await this.deps.store.countProfilePhotos(owner), photos };
  }

  async deleteProfilePhotos(userId: bigint, inputPhotos: readonly TlObject[]): Promise<bigint[]> {
    const ids = (inputPhotos as readonly Any[]).filter((p) => p._ === 'inputPhoto' && this.deps.accessHashes.check('photo', 0n, p.id, p.accessHash)).map((p) => p.id as bigint);
    return this.deps.store.removeProfilePhotos(userId, ids);
  }

  /** The user's current profile photo, or undefined (the privacy check is the caller's). */
  async currentPhoto(userId: bigint): Promise<CurrentPhoto | undefined> {
    const [id] = await this.deps.store.profilePhotoIds(userId, { limit: 1 });
    if (id === undefined) return undefined;
    const row = await this.deps.store.photo(id);
    if (!row) return undefined;
    return { photoId: id, strippedThumb: row.stripped ?? undefined, hasVideo: parseSizes(row.video_sizes).length > 0, dcId: this.deps.dcId };
  }
}
