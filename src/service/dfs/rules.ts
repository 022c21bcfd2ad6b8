// Telegram's rules for file parts and download ranges (core.telegram.org/api/files), as pure functions.
import { RpcError } from '../../common/rpc-error.js';

export const KB = 1024;
export const MAX_PART_SIZE = 512 * KB;
/** upload_max_fileparts_default. */
export const MAX_FILE_PARTS = 4000;
/** Files above this size must be uploaded with saveBigFilePart (inputFileBig). */
export const BIG_FILE_THRESHOLD = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024 * 1024;
/** Downloads are answered in windows that never cross a 1 MiB boundary. */
export const DOWNLOAD_WINDOW = 1024 * 1024;

/** A part size every part but the last must have: a multiple of 1 KiB that divides 512 KiB. */
export function isValidPartSize(size: number): boolean {
  return size > 0 && size % KB === 0 && MAX_PART_SIZE % size === 0;
}

export interface PartInput {
  filePart: number;
  bytes: number;
  /** Only for saveBigFilePart. */
  totalParts?: number;
}

/** Checks one part as it arrives (what can be judged without the other parts). */
export function checkPart(p: PartInput, maxFileSize = DEFAULT_MAX_FILE_SIZE): void {
  const maxParts = maxPartsFor(maxFileSize);
  if (p.totalParts !== undefined && (!Number.isInteger(p.totalParts) || p.totalParts < 1 || p.totalParts > maxParts)) throw RpcError.badRequest('FILE_PARTS_INVALID');
  const partLimit = p.totalParts ?? maxParts;
  if (!Number.isInteger(p.filePart) || p.filePart < 0 || p.filePart >= partLimit) throw RpcError.badRequest('FILE_PART_INVALID');
  if (p.bytes === 0) throw RpcError.badRequest('FILE_PART_EMPTY');
  if (p.bytes > MAX_PART_SIZE) throw RpcError.badRequest('FILE_PART_TOO_BIG');
  // With a known total, every part but the last must have a valid part size; the last one only has to be
  // smaller (checked on assembly, when the part size is known).
  if (p.totalParts !== undefined && p.filePart < p.totalParts - 1 && !isValidPartSize(p.bytes)) throw RpcError.badRequest('FILE_PART_SIZE_INVALID');
}

/** At most 4000 parts, and no more than the configured file size allows at 512 KiB a part. */
export function maxPartsFor(maxFileSize: number): number {
  return Math.min(MAX_FILE_PARTS, Math.ceil(maxFileSize / MAX_PART_SIZE));
}

/**
 * Checks the sizes of all the parts of a file being assembled: equal sizes that satisfy the part size rule,
 * the last one no bigger. Returns the total size.
 */
export function checkPartSizes(sizes: readonly number[]): number {
  if (sizes.length === 0) throw RpcError.badRequest('FILE_PARTS_INVALID');
  const partSize = sizes[0]!;
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!;
    const last = i === sizes.length - 1;
    if (!last && size !== partSize) throw RpcError.badRequest('FILE_PART_SIZE_CHANGED');
    if (last && sizes.length > 1 && size > partSize) throw RpcError.badRequest('FILE_PART_SIZE_CHANGED');
    total += size;
  }
  if (sizes.length > 1 && !isValidPartSize(partSize)) throw RpcError.badRequest('FILE_PART_SIZE_INVALID');
  return total;
}

/**
 * upload.getFile's offset/limit rules. Without `precise`: offset and limit multiples of 4 KiB and limit a
 * divisor of 1 MiB; with it: multiples of 1 KiB and limit at most 1 MiB. Either way the range stays inside
 * one 1 MiB window.
 */
export function checkDownloadRange(offset: number | bigint, limit: number, precise: boolean): { offset: number; limit: number } {
  if (typeof offset === 'bigint') {
    if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) throw RpcError.badRequest('OFFSET_INVALID');
    offset = Number(offset);
  }
  if (!Number.isInteger(limit) || limit <= 0 || limit > DOWNLOAD_WINDOW) throw RpcError.badRequest('LIMIT_INVALID');
  const unit = precise ? KB : 4 * KB;
  if (limit % unit !== 0 || (!precise && DOWNLOAD_WINDOW % limit !== 0)) throw RpcError.badRequest('LIMIT_INVALID');
  if (offset < 0 || offset % unit !== 0) throw RpcError.badRequest('OFFSET_INVALID');
  if (Math.floor(offset / DOWNLOAD_WINDOW) !== Math.floor((offset + limit - 1) / DOWNLOAD_WINDOW)) throw RpcError.badRequest('LIMIT_INVALID');
  return { offset, limit };
}

/** upload.getFileHashes: SHA-256 per 128 KiB, in batches starting at the 128 KiB chunk holding `offset`. */
export const HASH_CHUNK = 128 * KB;
export const HASHES_PER_CALL = 8;
