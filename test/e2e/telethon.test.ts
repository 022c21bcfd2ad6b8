// Telethon 1.45 (Python, layer 229) against Echo, with GramJS (layer 198) on the other side: sign-up, a private
// chat and a basic group with live updates both ways, a file and a photo both ways, a restart from the session
// file. Telethon runs as a child process (test/python/telethon_driver.py); see test/support/python-suite.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPhone } from '../support/accounts.js';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import { pythonClientSuite } from '../support/python-suite.js';
import { Api } from '../support/gramjs.js';
import { Inbox, watchGramjs } from '../support/inbox.js';

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

    test('channels: Telethon creates a public channel and a supergroup; GramJS joins both by username; posts go both ways live; comments through the linked group', async () => {
      const suffix = randomBytes(3).toString('hex');
      const gus = await ctx.world.signUpGramjs({ phone: testPhone(450004), firstName: 'Gus' });
      const inbox = new Inbox();
      watchGramjs(gus.handle, inbox);
      await gus.handle.client.invoke(new Api.updates.GetState());
      const join = async (username: string): Promise<Api.Channel> => {
        const resolved = (await gus.handle.client.invoke(new Api.contacts.ResolveUsername({ username }))) as Api.contacts.ResolvedPeer;
        const ch = resolved.chats[0] as Api.Channel;
        await gus.handle.client.invoke(new Api.channels.JoinChannel({ channel: new Api.InputChannel({ channelId: ch.id, accessHash: ch.accessHash! }) }));
        return ch;
      };

      const news = await ctx.py.call('create_channel', { title: 'py news', megagroup: false, username: `py_news_${suffix}` });
      assert.equal(news.broadcast, true);
      await join(`py_news_${suffix}`);
      await ctx.py.call('send_to', { username: `py_news_${suffix}`, text: 'from telethon' });
      const got = (await inbox.waitFor((u) => u instanceof Api.UpdateNewChannelMessage && (u.message as Api.Message).message === 'from telethon', 'Gus gets the post')) as Api.UpdateNewChannelMessage;
      assert.equal(Number(((got.message as Api.Message).peerId as Api.PeerChannel).channelId), news.channel_id);

      const club = await ctx.py.call('create_channel', { title: 'py club', megagroup: true, username: `py_club_${suffix}` });
      assert.equal(club.megagroup, true);
      const ch = await join(`py_club_${suffix}`);
      await gus.handle.client.invoke(new Api.messages.SendMessage({ peer: new Api.InputPeerChannel({ channelId: ch.id, accessHash: ch.accessHash! }), message: 'hi python', randomId: bigInt(randomBytes(6).toString('hex'), 16) }));
      const seen = await ctx.py.waitForMessage((m) => m.text === 'hi python', 'Telethon gets Gus\'s message in its supergroup');
      assert.deepEqual([seen.chat.type, seen.chat.id, seen.sender_id], ['channel', club.channel_id, Number(gus.userId)]);
      const history = await ctx.py.call('history', { username: `py_club_${suffix}`, limit: 10 });
      assert.equal(history.texts[0], 'hi python');
      const members = await ctx.py.call('participants', { username: `py_club_${suffix}` });
      assert.deepEqual(members.ids, [ctx.pyUserId, Number(gus.userId)].sort((a, b) => a - b));

      // Discussion: the club becomes the news channel's discussion group; Telethon comments on a post with
      // comment_to= (getDiscussionMessage) and reads the comments with reply_to= (getReplies).
      assert.deepEqual(await ctx.py.call('link_discussion', { channel: `py_news_${suffix}`, group: `py_club_${suffix}` }), { ok: true });
      const post = await ctx.py.call('send_to', { username: `py_news_${suffix}`, text: 'comment on this' });
      const copy = (await inbox.waitFor((u) => u instanceof Api.UpdateNewChannelMessage && Number(((u.message as Api.Message).peerId as Api.PeerChannel).channelId) === club.channel_id && (u.message as Api.Message).message === 'comment on this', 'Gus sees the post copied into the club')) as Api.UpdateNewChannelMessage;
      assert.equal((copy.message as Api.Message).fwdFrom?.channelPost, post.id);
      await gus.handle.client.invoke(new Api.messages.SendMessage({ peer: new Api.InputPeerChannel({ channelId: ch.id, accessHash: ch.accessHash! }), message: 'gus comments', replyTo: new Api.InputReplyToMessage({ replyToMsgId: copy.message.id }), randomId: bigInt(randomBytes(6).toString('hex'), 16) }));
      const mine = await ctx.py.call('comment', { username: `py_news_${suffix}`, post_id: post.id, text: 'telethon comments' });
      assert.deepEqual(mine.chat, { type: 'channel', id: club.channel_id }, 'the comment lands in the discussion group');
      const comments = await ctx.py.call('comments', { username: `py_news_${suffix}`, post_id: post.id });
      assert.deepEqual(comments.texts, ['telethon comments', 'gus comments']);
    });
  },
});
