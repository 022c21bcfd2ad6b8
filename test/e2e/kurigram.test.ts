// kurigram 2.2 (the maintained Pyrogram fork, Python, layer 229) against Echo, with mtcute (layer 227) on the other
// side: sign-up, a private chat and a basic group with live updates both ways, a file and a photo both ways, a
// restart from the session file. kurigram runs as a child process (test/python/kurigram_driver.py); see
// test/support/python-suite.ts. Also runs the Pyrogram recipe `echod client-config` prints, as printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeClientConfig } from '../../src/cli/client-snippets.js';
import { AUTH_KEY_CREATED_MSG } from '../support/echod.js';
import { pythonClientsInterpreter } from '../support/python-client.js';
import { pythonClientSuite } from '../support/python-suite.js';

/** The indented Python block under the "Pyrogram family" heading, dedented. */
function pyrogramRecipe(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Pyrogram family'));
  assert.ok(start >= 0, 'client-config has a Pyrogram recipe');
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (line.startsWith('  ')) block.push(line.slice(2));
  }
  return block.join('\n');
}

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

    test('forum topics: kurigram turns its supergroup into a forum, opens a topic, writes in it and lists the topics', async () => {
      const forum = await ctx.py.call('forum', { title: 'py forum', topic_title: 'Ideas', text: 'first idea' });
      assert.equal(forum.toggled, true);
      assert.deepEqual(forum.message.thread, forum.topic_id, 'the message is in the topic');
      assert.equal(forum.message.topic_title, 'Ideas', 'kurigram looks the topic up (getForumTopicsByID)');
      assert.deepEqual(forum.topics, [
        { id: forum.topic_id, title: 'Ideas', top: forum.message.id },
        { id: 1, title: 'General', top: 1 },
      ]);
    });

    test('the Pyrogram recipe of client-config, run as printed, connects to this server', async () => {
      const cfg = await ctx.world.echod.clientConfig();
      const script = [
        'import asyncio',
        "API_ID, API_HASH = 12345, '0123456789abcdef0123456789abcdef'",
        pyrogramRecipe(describeClientConfig(cfg, [])),
        'from pyrogram import raw',
        'async def main():',
        '    print("authorized:", await app.connect())',
        '    print("this_dc:", (await app.invoke(raw.functions.help.GetConfig())).this_dc)',
        '    await app.disconnect()',
        'asyncio.run(main())',
      ].join('\n');
      const dir = mkdtempSync(join(tmpdir(), 'echo-pyrogram-recipe-'));
      try {
        writeFileSync(join(dir, 'recipe.py'), script);
        const keys = ctx.world.echod.countLogs((l) => l.msg === AUTH_KEY_CREATED_MSG);
        const { stdout } = await promisify(execFile)(await pythonClientsInterpreter(), ['recipe.py'], { cwd: dir, timeout: 60_000 });
        assert.equal(stdout, `authorized: False\nthis_dc: ${cfg.dcId}\n`);
        assert.equal(ctx.world.echod.countLogs((l) => l.msg === AUTH_KEY_CREATED_MSG), keys + 1, 'the recipe created its auth key on Echo');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
});
