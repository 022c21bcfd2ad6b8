// Parts on disk (the embedded mode): the PartStore contract (shared with S3 in test/engines), plus what only the
// disk store has: its files and directories, and the per-user upload rate of DfsService.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError } from '../../../src/common/rpc-error.js';
import { DiskBlobStore } from '../../../src/infra/blob/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { DfsService } from '../../../src/service/dfs/index.js';
import { DiskPartStore } from '../../../src/service/dfs/disk-part-store.js';
import { partStoreContract } from '../../support/contracts/part-store-contract.js';

const KB = 1024;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fixture(opts: { uploadRate?: { burstBytes: number; bytesPerSecond: number } | null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'echo-dfs-'));
  dirs.push(dir);
  const clock = { ms: 1_700_000_000_000 };
  const blobs = new DiskBlobStore(join(dir, 'files')).init();
  const make = () => new DfsService({ blobs, dataDir: dir, now: () => clock.ms, log: createLogger('silent'), uploadRate: opts.uploadRate ?? null });
  return { dir, clock, blobs, dfs: make(), make };
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.errorMessage === message, message);
}

partStoreContract('disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'echo-parts-contract-'));
  dirs.push(dir);
  const blobs = new DiskBlobStore(join(dir, 'files')).init();
  return { blobs, parts: (opts) => new DiskPartStore(join(dir, 'uploads'), opts) };
});

test('disk: parts survive a restart (a new service on the same data dir); expired uploads leave no directory behind', async () => {
  const { dfs, make, dir } = fixture();
  await dfs.saveFilePart(5n, 1n, 0, Buffer.from('kept'));
  const restarted = make();
  const stored = await restarted.takeUpload(5n, { _: 'inputFile', id: 1n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'r' });
  assert.equal(stored.size, 4);

  // Directory mtimes are wall-clock time: a sweeper whose clock runs a minute ahead sees them as old.
  const store = new DiskPartStore(join(dir, 'uploads'), { now: () => Date.now() + 60_000, ttlMs: 1000 });
  await store.savePart(6n, 2n, 0, Buffer.from('old'));
  assert.ok((await store.sweep()) >= 1);
  await rejectsWith(make().takeUpload(6n, { _: 'inputFile', id: 2n, parts: 1, name: '', md5Checksum: '' }, { bucket: 'documents', key: 'z' }), 'FILE_PART_0_MISSING');
  assert.equal(existsSync(join(dir, 'uploads', '6')), false);
});

test('disk: once used, an upload directory holds only its marker, and no temp file lingers', async () => {
  const { dfs, dir } = fixture();
  const part = randomBytes(512 * KB);
  for (let i = 0; i < 4; i++) await dfs.saveBigFilePart(8n, 1n, i, 4, part);
  await dfs.takeUpload(8n, { _: 'inputFileBig', id: 1n, parts: 4, name: '' }, { bucket: 'videos', key: 'huge' });
  assert.deepEqual(readdirSync(join(dir, 'uploads', '8', (1n).toString(16).padStart(16, '0'))), ['assembled.json']);
  assert.deepEqual(readdirSync(join(dir, 'files', '.tmp')), []);
});

test('the per-user upload rate answers FLOOD_WAIT_X once the burst is spent', async () => {
  const { dfs, clock } = fixture({ uploadRate: { burstBytes: 8 * KB, bytesPerSecond: 4 * KB } });
  await dfs.saveFilePart(9n, 1n, 0, randomBytes(4 * KB));
  await dfs.saveFilePart(9n, 1n, 1, randomBytes(4 * KB));
  await rejectsWith(dfs.saveFilePart(9n, 1n, 2, randomBytes(4 * KB)), 'FLOOD_WAIT_1');
  await dfs.saveFilePart(10n, 1n, 0, randomBytes(4 * KB)); // Another user has its own budget.
  clock.ms += 1000;
  await dfs.saveFilePart(9n, 1n, 2, randomBytes(4 * KB));
});
