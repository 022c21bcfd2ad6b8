// kurigram 2.2 (the maintained Pyrogram fork, Python, layer 229) against Echo, with mtcute (layer 227) on the other
// side: sign-up, a private chat and a basic group with live updates both ways, a file and a photo both ways, a
// restart from the session file. kurigram runs as a child process (test/python/kurigram_driver.py); see
// test/support/python-suite.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonClientSuite } from '../support/python-suite.js';

pythonClientSuite({
  kind: 'kurigram',
  layer: 229,
  other: 'mtcute',
  phoneBase: 460000,
  extra: (ctx) => {
    test('get_users resolves users (kurigram sends InputPeer where users.getUsers expects InputUser)', async () => {
      const got = await ctx.py.call('get_users', { ids: [Number(ctx.other.userId), ctx.pyUserId] });
      assert.deepEqual(got.ids, [Number(ctx.other.userId), ctx.pyUserId]);
    });
  },
});
