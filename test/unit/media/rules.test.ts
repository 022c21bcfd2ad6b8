// Telegram's part and download-range rules (core.telegram.org/api/files), one case per error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { checkDownloadRange, checkPart, checkPartSizes, isValidPartSize, maxPartsFor, MAX_FILE_PARTS } from '../../../src/service/dfs/rules.js';

const KB = 1024;

function throwsRpc(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof RpcError && err.errorMessage === message, message);
}

test('valid part sizes are multiples of 1 KiB dividing 512 KiB', () => {
  for (const kb of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) assert.equal(isValidPartSize(kb * KB), true, `${kb} KiB`);
  for (const size of [0, 1000, 3 * KB, 100 * KB, 384 * KB, 1024 * KB, 512 * KB + 1]) assert.equal(isValidPartSize(size), false, `${size}`);
});

test('checkPart rejects empty, oversized, mis-numbered and (when the total is known) mis-sized parts', () => {
  checkPart({ filePart: 0, bytes: 512 * KB });
  checkPart({ filePart: 3999, bytes: 10 });
  throwsRpc(() => checkPart({ filePart: 0, bytes: 0 }), 'FILE_PART_EMPTY');
  throwsRpc(() => checkPart({ filePart: 0, bytes: 512 * KB + 1 }), 'FILE_PART_TOO_BIG');
  throwsRpc(() => checkPart({ filePart: -1, bytes: 1 }), 'FILE_PART_INVALID');
  throwsRpc(() => checkPart({ filePart: MAX_FILE_PARTS, bytes: 1 }), 'FILE_PART_INVALID');
  // Big files: the total is declared with every part.
  checkPart({ filePart: 1, bytes: 512 * KB, totalParts: 3 });
  checkPart({ filePart: 2, bytes: 1234, totalParts: 3 });
  throwsRpc(() => checkPart({ filePart: 0, bytes: 100 * KB, totalParts: 3 }), 'FILE_PART_SIZE_INVALID');
  throwsRpc(() => checkPart({ filePart: 3, bytes: KB, totalParts: 3 }), 'FILE_PART_INVALID');
  throwsRpc(() => checkPart({ filePart: 0, bytes: KB, totalParts: 0 }), 'FILE_PARTS_INVALID');
  throwsRpc(() => checkPart({ filePart: 0, bytes: KB, totalParts: 4001 }), 'FILE_PARTS_INVALID');
});

test('the configured maximum file size caps the part count', () => {
  assert.equal(maxPartsFor(2 * 1024 * 1024 * 1024), 4000);
  assert.equal(maxPartsFor(10 * 1024 * 1024), 20);
  throwsRpc(() => checkPart({ filePart: 0, bytes: KB, totalParts: 21 }, 10 * 1024 * 1024), 'FILE_PARTS_INVALID');
  throwsRpc(() => checkPart({ filePart: 20, bytes: KB }, 10 * 1024 * 1024), 'FILE_PART_INVALID');
});

test('checkPartSizes: equal valid parts, the last one not bigger', () => {
  assert.equal(checkPartSizes([512 * KB, 512 * KB, 10]), 1024 * KB + 10);
  assert.equal(checkPartSizes([777]), 777, 'a single part may have any size');
  throwsRpc(() => checkPartSizes([]), 'FILE_PARTS_INVALID');
  throwsRpc(() => checkPartSizes([64 * KB, 128 * KB, 10]), 'FILE_PART_SIZE_CHANGED');
  throwsRpc(() => checkPartSizes([64 * KB, 128 * KB]), 'FILE_PART_SIZE_CHANGED');
  throwsRpc(() => checkPartSizes([100 * KB, 100 * KB, 5]), 'FILE_PART_SIZE_INVALID');
});

test('download ranges without precise: 4 KiB multiples, limit divides 1 MiB, one 1 MiB window', () => {
  assert.deepEqual(checkDownloadRange(0n, 1024 * KB, false), { offset: 0, limit: 1024 * KB });
  assert.deepEqual(checkDownloadRange(BigInt(3 * 1024 * KB), 128 * KB, false), { offset: 3 * 1024 * KB, limit: 128 * KB });
  throwsRpc(() => checkDownloadRange(0n, 0, false), 'LIMIT_INVALID');
  throwsRpc(() => checkDownloadRange(0n, 2048 * KB, false), 'LIMIT_INVALID');
  throwsRpc(() => checkDownloadRange(0n, 12 * KB, false), 'LIMIT_INVALID', /* 12 KiB does not divide 1 MiB */);
  throwsRpc(() => checkDownloadRange(0n, 5 * KB, false), 'LIMIT_INVALID');
  throwsRpc(() => checkDownloadRange(1024n, 4 * KB, false), 'OFFSET_INVALID');
  throwsRpc(() => checkDownloadRange(-4096n, 4 * KB, false), 'OFFSET_INVALID');
  throwsRpc(() => checkDownloadRange(BigInt(1024 * KB - 4 * KB), 8 * KB, false), 'LIMIT_INVALID');
});

test('download ranges with precise: 1 KiB multiples, limit up to 1 MiB, still one window', () => {
  assert.deepEqual(checkDownloadRange(1024n, 3 * KB, true), { offset: KB, limit: 3 * KB });
  assert.deepEqual(checkDownloadRange(0n, 1000 * KB, true), { offset: 0, limit: 1000 * KB });
  throwsRpc(() => checkDownloadRange(0n, 1500, true), 'LIMIT_INVALID');
  throwsRpc(() => checkDownloadRange(512n, KB, true), 'OFFSET_INVALID');
  throwsRpc(() => checkDownloadRange(0n, 1025 * KB, true), 'LIMIT_INVALID');
  throwsRpc(() => checkDownloadRange(BigInt(1023 * KB), 2 * KB, true), 'LIMIT_INVALID');
});
