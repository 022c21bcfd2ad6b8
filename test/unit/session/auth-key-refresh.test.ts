// Two nodes share one auth key store: what a device does on one node (sign in, bind a temp key, destroy its
// key) is seen by the other, which cached the key earlier, when the device's next connection reaches it
// (AuthKeyRegistry.refresh, called on a key's first packet on each connection).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../../src/infra/db/index.js';
import { AuthKeyRegistry } from '../../../src/interface/session/auth-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'echo-keys-'));
const db = await openDatabase(dir);
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const nowS = () => Math.floor(Date.now() / 1000);

test('a sign-in, a temp key binding and a destroyed key on node B reach node A\'s cached contexts on refresh', async () => {
  const nodeA = new AuthKeyRegistry(db.authKeys);
  const nodeB = new AuthKeyRegistry(db.authKeys);
  const perm = await nodeA.add(randomBytes(256), 'perm', nowS(), undefined, 1n, Date.now() + 60_000);
  const temp = await nodeA.add(randomBytes(256), 'temp', nowS(), 3600, 2n, Date.now() + 60_000);
  const id = perm.authKey.id;
  assert.equal(perm.userId, undefined);

  // The device moves to node B and signs in there; node A still has it cached as signed out.
  const onB = (await nodeB.get(id))!;
  await nodeB.setUser(onB.permKeyId!, 4242n);
  await nodeB.bindTemp((await nodeB.get(temp.authKey.id))!, id, nowS() + 3600);
  assert.equal(nodeA.peek(id)!.userId, undefined, 'node A has not looked yet');

  const back = await nodeA.refresh(id);
  assert.equal(back, perm, 'refreshed in place: holders of the context see the change');
  assert.equal(back!.userId, 4242n);
  assert.equal(back!.handshakeSalt, 1n, 'what only node A knows is kept');
  assert.deepEqual([...nodeA.contextsOfUser(4242n)], [perm], 'pushes for the user find the key on node A');
  const tempBack = await nodeA.refresh(temp.authKey.id);
  assert.equal(tempBack!.permKeyId, id);
  assert.equal(tempBack!.userId, 4242n, 'the temp key acts for the signed-in perm key');

  // Signed out on node B: node A's next connection of the device sees it.
  await nodeB.setUser(id, undefined);
  assert.equal((await nodeA.refresh(id))!.userId, undefined);
  assert.deepEqual([...nodeA.contextsOfUser(4242n)].filter((c) => c === perm), []);

  // Destroyed on node B: node A forgets it.
  await nodeB.destroy(id);
  assert.equal(await nodeA.refresh(id), undefined);
  assert.equal(nodeA.peek(id), undefined);
});
