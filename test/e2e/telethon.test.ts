// Telethon 1.45 (Python, layer 229) against Echo, with GramJS (layer 198) on the other side: sign-up, a private
// chat and a basic group with live updates both ways, a file and a photo both ways, a restart from the session
// file. Telethon runs as a child process (test/python/telethon_driver.py); see test/support/python-suite.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonClientSuite } from '../support/python-suite.js';

pythonClientSuite({
  kind: 'telethon',
  layer: 229,
  other: 'gramjs',
  phoneBase: 450000,
  extra: (ctx) => {
    test('get_entity(phone) finds an imported contact by number (it reads contacts.getContacts)', async () => {
      const user = await ctx.py.call('entity_by_phone', { phone: `+${ctx.otherPhone}` });
      assert.deepEqual([user.id, user.phone], [Number(ctx.other.userId), ctx.otherPhone]);
    });
  },
});
