// Telethon 1.45 (Python, layer 229) against Echo, with GramJS (layer 198) on the other side: sign-up, a private
// chat and a basic group with live updates both ways, a file and a photo both ways, a restart from the session
// file. Telethon runs as a child process (test/python/telethon_driver.py); see test/support/python-suite.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPhone } from '../support/accounts.js';
import { pythonClientSuite } from '../support/python-suite.js';

pythonClientSuite({
  kind: 'telethon',
  layer: 229,
  other: 'gramjs',
  phoneBase: 450000,
  extra: (ctx) => {
    // Telethon's get_entity('+1...') looks the number up in contacts.getContacts, so the contact's phone must be there.
    test('get_entity(phone) finds a mutual contact by number', async () => {
      const user = await ctx.py.call('entity_by_phone', { phone: `+${ctx.otherPhone}` });
      assert.deepEqual([user.id, user.phone], [Number(ctx.other.userId), ctx.otherPhone]);
    });

    test('get_entity(phone) finds a contact imported by number who has not saved the Telethon user back', async () => {
      const kayPhone = testPhone(450003);
      const kay = await ctx.world.signUpGramjs({ phone: kayPhone, firstName: 'Kay' });
      const imported = await ctx.py.call('import_contact', { phone: `+${kayPhone}`, first_name: 'Kay' });
      assert.deepEqual(imported.user_ids, [Number(kay.userId)]);
      const user = await ctx.py.call('entity_by_phone', { phone: `+${kayPhone}` });
      assert.deepEqual([user.id, user.phone], [Number(kay.userId), kayPhone]);
    });
  },
});
