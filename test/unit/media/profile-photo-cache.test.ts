// MediaStore's cache of each user's current profile photo (read for every user object shown), over a real
// SQLite store: setting and removing a photo is seen by the next read, on this node and, through the
// broadcast, on another; a write behind its back only once the entry ages out.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { MediaStore } from '../../../src/service/media/media-store.js';
import { MemoryBroadcast } from '../../../src/infra/kv/broadcast.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const ALICE = 1_000_001n;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'echo-photo-cache-'));
  const db: Database = await openDatabase(dir);
  cleanups.push(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = { ms: 1_700_000_000_000 };
  const store = () => new MediaStore(db.kysely, { now: () => clock.ms });
  const first = store();
  for (const id of [11n, 12n]) await first.insertPhoto({ id, owner_id: ALICE, date: 1n, sizes: '[]', stripped: null, video_sizes: '[]' });
  return { clock, store };
}

const currentId = async (store: MediaStore) => (await store.currentProfilePhoto(ALICE))?.id;

test('setting and removing a profile photo is seen by the next read of the current one', async () => {
  const s = await setup();
  const node = s.store();
  assert.equal(await currentId(node), undefined, 'no photo, cached');
  await node.setProfilePhoto(ALICE, 11n, 100);
  assert.equal(await currentId(node), 11n);
  await node.setProfilePhoto(ALICE, 12n, 200);
  assert.equal(await currentId(node), 12n);
  assert.deepEqual(await node.removeProfilePhotos(ALICE, [12n]), [12n]);
  assert.equal(await currentId(node), 11n, 'the previous photo is current again');
  await node.removeProfilePhotos(ALICE, [11n]);
  assert.equal(await currentId(node), undefined);
});

test('a write behind the cache is seen once the entry ages out; with a shared broadcast at once', async () => {
  const s = await setup();
  const node = s.store();
  const other = s.store();
  assert.equal(await currentId(node), undefined);
  await other.setProfilePhoto(ALICE, 11n, 100);
  assert.equal(await currentId(node), undefined, 'cached: the other store did not announce it');
  s.clock.ms += 60_001;
  assert.equal(await currentId(node), 11n);

  const broadcast = new MemoryBroadcast();
  await node.shareInvalidations(broadcast);
  await other.shareInvalidations(broadcast);
  await other.setProfilePhoto(ALICE, 12n, 200);
  assert.equal(await currentId(node), 12n, 'announced');
  await other.removeProfilePhotos(ALICE, [12n]);
  assert.equal(await currentId(node), 11n, 'announced');
});
