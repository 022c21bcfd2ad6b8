// Uploaded file parts between upload.saveFilePart / saveBigFilePart and the call that uses the file
// (core.telegram.org/api/files). Two stores keep them: DiskPartStore under the node's data dir (one node,
// `npm start`) and S3PartStore in the shared object store (several nodes behind a load balancer, where a
// client's parts may arrive on different nodes and the file is used on yet another). Both follow the rules
// below, so an upload answers the same errors whichever store holds it.
import type { Readable } from 'node:stream';
import { RpcError } from '../../common/rpc-error.js';
import { checkPartSizes, MAX_FILE_PARTS } from './rules.js';

/** Telegram keeps parts "several minutes to several hours"; a day covers slow networks and restarts. */
export const PART_TTL_MS = 24 * 60 * 60 * 1000;

/** What the first part of an upload said about it; every later part must agree. */
export interface UploadMeta {
  big: boolean;
  totalParts?: number;
}

/** What an upload became: the same InputFile used again answers this blob. */
export interface AssembledMarker {
  bucket: string;
  key: string;
  size: number;
}

export interface OpenedUpload {
  size: number;
  parts: number;
  /** The parts in order, concatenated, read from the store as it is consumed. */
  stream(): Readable;
}

export interface PartStoreOptions {
  now(): number;
  ttlMs?: number;
  maxFileSize?: number;
}

export interface PartStore {
  /** Keeps one part (checked with checkPart first); a part sent again replaces the earlier copy. */
  savePart(userId: bigint, fileId: bigint, filePart: number, bytes: Buffer, totalParts?: number): Promise<void>;
  /**
   * Checks that parts 0..parts-1 are all there with consistent sizes and returns a lazy reader. Throws
   * FILE_PART_X_MISSING for the first missing part (the client re-sends it and tries again).
   */
  open(userId: bigint, fileId: bigint, parts: number, big: boolean): Promise<OpenedUpload>;
  /** Records what the parts became and drops them; the marker lets the same InputFile be used again. */
  markAssembled(userId: bigint, fileId: bigint, marker: AssembledMarker): Promise<void>;
  assembled(userId: bigint, fileId: bigint): Promise<AssembledMarker | undefined>;
  discard(userId: bigint, fileId: bigint): Promise<void>;
  /** Deletes uploads untouched for longer than the TTL; returns how many went. */
  sweep(): Promise<number>;
}

/** A part that disagrees with the upload's first part about its kind (small / big) or total. */
export function checkMeta(meta: UploadMeta, big: boolean, totalParts: number | undefined): void {
  if (meta.big !== big || meta.totalParts !== totalParts) throw RpcError.badRequest('FILE_PARTS_INVALID');
}

/**
 * Judges an upload about to be assembled from what the store holds: its meta (absent when no part arrived)
 * and the size of each part present. Returns the file's size.
 */
export function checkUpload(
  held: { meta: UploadMeta | undefined; sizes: ReadonlyMap<number, number> },
  parts: number,
  big: boolean,
  maxFileSize: number,
): number {
  if (!Number.isInteger(parts) || parts < 1 || parts > MAX_FILE_PARTS) throw RpcError.badRequest('FILE_PARTS_INVALID');
  const { meta, sizes } = held;
  if (!meta) throw RpcError.badRequest('FILE_PART_0_MISSING');
  if (meta.big !== big || (meta.totalParts !== undefined && meta.totalParts !== parts)) throw RpcError.badRequest('FILE_PARTS_INVALID');
  const ordered: number[] = [];
  for (let i = 0; i < parts; i++) {
    const size = sizes.get(i);
    if (size === undefined) throw RpcError.badRequest(`FILE_PART_${i}_MISSING`);
    ordered.push(size);
  }
  // Parts beyond the declared count mean the client declared the wrong count.
  if (!big && [...sizes.keys()].some((n) => n >= parts)) throw RpcError.badRequest('FILE_PARTS_INVALID');
  const size = checkPartSizes(ordered);
  if (size > maxFileSize) throw RpcError.badRequest('FILE_PARTS_INVALID');
  return size;
}

/** The directory / key segment of an upload: the uploader, then the file id as 16 hex digits. */
export function uploadPath(userId: bigint, fileId: bigint): string {
  return `${userId.toString()}/${BigInt.asUintN(64, fileId).toString(16).padStart(16, '0')}`;
}
