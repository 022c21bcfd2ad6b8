// The Inbox-T scenario (inbox-echod*.test.ts run it on each database): echod on Kafka with the recipients'
// copies written through Inbox-T (src/messenger/inbox-fanout.ts):
// Alice and Carol on GramJS (layer 198), Bob on mtcute (layer 227). In a private chat and in a basic group,
// every message reaches every other member exactly once (counted on GramJS, whose raw handler sees each
// update once; mtcute's raw-update hook reports some twice, so on Bob's side distinct message ids are
// counted), replies point at each reader's own copy, and every member's history holds the same messages,
// once each, in the same order.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import bigInt from 'big-integer';
import Long from 'long';
import { E2eWorld } from '../support/e2e.js';
import { Inbox } from '../support/inbox.js';
import { Api, type GramjsHandle } from '../support/gramjs.js';
import type { MtcuteHandle } from '../support/mtcute.js';
import { testPhone } from '../support/accounts.js';
import { Admin } from '@platformatic/kafka';
import { kafkaBrokers, requireEnv } from './support.js';
import { signUpTrio } from '../support/trio.js';

const TIMEOUT = 180_000;
const randomLong = (): bigint => randomBytes(8).readBigInt64LE();
const big = (v: { toString(): string }): bigint => BigInt(v.toString());

/**
 * Registers the scenario's hooks and tests: `setUp` starts what echod needs besides Kafka and returns its
 * environment; `phoneBase` keeps the files' test accounts apart.
 */
export function inboxScenario(label: string, phoneBase: number, setUp: () => Promise<{ env: Record<string, string>; dispose?: () => Promise<void> }>): void {
  const PREFIX = `inbox-e2e-${randomBytes(4).toString('hex')}.`;
  const PHONES = { alice: testPhone(phoneBase + 1), bob: testPhone(phoneBase + 2), carol: testPhone(phoneBase + 3) };
  let dispose: (() => Promise<void>) | undefined;
  let world: E2eWorld;
  let alice: GramjsHandle;
  let carol: GramjsHandle;
  let bob: MtcuteHandle;
  const ids = { alice: 0n, bob: 0n, carol: 0n };
  const inbox = { alice: new Inbox(), bob: new Inbox(), carol: new Inbox() };
  let bobForAlice: Api.InputUser;
  let carolForAlice: Api.InputUser;
  let aliceForBob: { _: 'inputPeerUser'; userId: number; accessHash: Long };
  let chatId: bigint;

  const call = <R>(h: GramjsHandle, req: Api.AnyRequest) => h.client.invoke(req) as Promise<R>;
  const chatG = () => new Api.InputPeerChat({ chatId: bigInt(chatId.toString()) });
  const chatM = () => ({ _: 'inputPeerChat' as const, chatId: Number(chatId) });

  /** GramJS pushes of a message with this text (short or full form, private or group). */
  const gramjsCount = (box: Inbox, text: string) =>
    box.items.filter(
      (u) =>
        ((u instanceof Api.UpdateShortMessage || u instanceof Api.UpdateShortChatMessage) && u.message === text) ||
        (u instanceof Api.UpdateNewMessage && (u.message as Api.Message).message === text),
    ).length;
  const gramjsGot = (text: string) => (u: any) =>
    ((u instanceof Api.UpdateShortMessage || u instanceof Api.UpdateShortChatMessage) && u.message === text) || (u instanceof Api.UpdateNewMessage && (u.message as Api.Message).message === text);
  const mtcuteGot = (text: string) => (u: any) => u._ === 'updateNewMessage' && u.message.message === text;
  /** Bob's distinct messages with this text (mtcute may report an update twice). */
  const mtcuteCount = (text: string) => new Set(inbox.bob.items.filter(mtcuteGot(text)).map((u) => u.message.id)).size;

  async function gramjsHistory(h: GramjsHandle, peer: Api.TypeInputPeer): Promise<Api.Message[]> {
    const res = await call<Api.messages.TypeMessages>(h, new Api.messages.GetHistory({ peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }));
    assert.ok(!(res instanceof Api.messages.MessagesNotModified));
    return (res.messages as Api.Message[]).filter((m) => m instanceof Api.Message);
  }

  async function mtcuteHistory(peer: unknown): Promise<any[]> {
    const res: any = await bob.client.call({ _: 'messages.getHistory', peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: Long.ZERO } as any);
    return res.messages.filter((m: any) => m._ === 'message');
  }

  before(async () => {
    const engines = await setUp();
    dispose = engines.dispose;
    world = await E2eWorld.start({ env: { KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), KAFKA_TOPIC_PREFIX: PREFIX, ...engines.env } });
    const trio = await signUpTrio(world, PHONES, inbox);
    ({ alice, bob, carol } = trio);
    Object.assign(ids, trio.ids);
    const imported = await call<Api.contacts.ImportedContacts>(
      alice,
      new Api.contacts.ImportContacts({
        contacts: (['bob', 'carol'] as const).map((n, i) => new Api.InputPhoneContact({ clientId: bigInt(i + 1), phone: `+${PHONES[n]}`, firstName: n, lastName: '' })),
      }),
    );
    for (const u of imported.users as Api.User[]) {
      const input = new Api.InputUser({ userId: u.id, accessHash: u.accessHash! });
      if (big(u.id) === ids.bob) bobForAlice = input;
      else carolForAlice = input;
    }
    const back: any = await bob.client.call({ _: 'contacts.importContacts', contacts: [{ _: 'inputPhoneContact', clientId: Long.fromInt(1), phone: `+${PHONES.alice}`, firstName: 'Alice', lastName: '' }] });
    aliceForBob = { _: 'inputPeerUser', userId: back.users[0].id, accessHash: back.users[0].accessHash };
  });

  after(async () => {
    if (process.env.ECHOD_LOG_DUMP && world) (await import('node:fs')).writeFileSync(process.env.ECHOD_LOG_DUMP, world.echod.logs.map((l) => JSON.stringify(l)).join('\n'));
    await world?.close();
    await dispose?.();
  });

  describe(`Inbox-T fan-out on Kafka (${label})`, { timeout: TIMEOUT }, () => {
    test('a private chat: each message once on both sides, replies mapped to each side\'s own copy, each sender\'s order kept on both sides', async () => {
      const bobPeer = new Api.InputPeerUser({ userId: bobForAlice.userId, accessHash: bobForAlice.accessHash });
      const texts = Array.from({ length: 8 }, (_, i) => `private ${i}`);
      for (const t of texts) {
        await call(alice, new Api.messages.SendMessage({ peer: bobPeer, message: t, randomId: bigInt(randomLong().toString()) }));
        await bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: `${t} back`, randomId: Long.fromString(randomLong().toString()) } as any);
      }
      await inbox.bob.waitFor(mtcuteGot(texts.at(-1)!), 'Bob gets Alice\'s last message', 30_000);
      // Bob answers his copy of Alice's first message; Alice sees the answer replying to her own message.
      const bobSide = await mtcuteHistory(aliceForBob);
      const bobFirst = bobSide.find((m) => m.message === texts[0]);
      await bob.client.call({ _: 'messages.sendMessage', peer: aliceForBob, message: 'the reply', replyTo: { _: 'inputReplyToMessage', replyToMsgId: bobFirst.id }, randomId: Long.fromString(randomLong().toString()) } as any);
      await inbox.alice.waitFor(gramjsGot('the reply'), 'Alice gets the reply', 30_000);
      for (const t of texts) {
        assert.equal(gramjsCount(inbox.alice, `${t} back`), 1, `Alice got "${t} back" once`);
        assert.equal(mtcuteCount(t), 1, `Bob got "${t}" once`);
      }
      const aliceSide = await gramjsHistory(alice, bobPeer);
      const bobAfter = await mtcuteHistory(aliceForBob);
      // Each box orders by arrival: on Kafka Bob's own answer can be stored before Alice's message reaches his box
      // through Inbox-T, so the two histories hold the same messages, each sender's in the order sent.
      const aliceTexts = aliceSide.map((m) => m.message);
      const bobTexts = bobAfter.map((m: { message: string }) => m.message);
      assert.deepEqual([...aliceTexts].sort(), [...bobTexts].sort(), 'the same messages on both sides');
      const newestFirst = (suffix: string) => texts.map((t) => `${t}${suffix}`).reverse();
      for (const [side, list] of [['Alice', aliceTexts], ['Bob', bobTexts]] as const) {
        assert.deepEqual(list.filter((t) => /^private \d$/.test(t)), newestFirst(''), `${side}'s history has Alice's messages in order`);
        assert.deepEqual(list.filter((t) => / back$/.test(t)), newestFirst(' back'), `${side}'s history has Bob's messages in order`);
      }
      assert.equal(aliceSide.length, 2 * texts.length + 1);
      const reply = aliceSide.find((m) => m.message === 'the reply')!;
      const aliceFirst = aliceSide.find((m) => m.message === texts[0])!;
      assert.equal((reply.replyTo as Api.MessageReplyHeader).replyToMsgId, aliceFirst.id);
    });

    test('a basic group: every message reaches every other member once; every history holds each message once, in each sender\'s order', async () => {
      const res = await call<Api.messages.InvitedUsers>(alice, new Api.messages.CreateChat({ users: [bobForAlice, carolForAlice], title: 'On Kafka' }));
      chatId = big(((res.updates as Api.Updates).chats[0] as Api.Chat).id);
      await inbox.carol.waitFor((u) => u instanceof Api.UpdateNewMessage && u.message instanceof Api.MessageService, 'Carol gets the creation');
      const sent: { from: 'alice' | 'bob' | 'carol'; text: string }[] = [];
      for (let i = 0; i < 6; i++) {
        for (const from of ['alice', 'bob', 'carol'] as const) {
          const text = `group ${from} ${i}`;
          if (from === 'bob') await bob.client.call({ _: 'messages.sendMessage', peer: chatM(), message: text, randomId: Long.fromString(randomLong().toString()) } as any);
          else await call(from === 'alice' ? alice : carol, new Api.messages.SendMessage({ peer: chatG(), message: text, randomId: bigInt(randomLong().toString()) }));
          sent.push({ from, text });
        }
      }
      // Per-recipient order on Inbox-T and Sync-T: the last message of each sender seen means all earlier ones were.
      const last = (from: string) => `group ${from} 5`;
      await inbox.alice.waitFor(gramjsGot(last('carol')), 'Alice gets Carol\'s last', 30_000);
      await inbox.alice.waitFor(gramjsGot(last('bob')), 'Alice gets Bob\'s last', 30_000);
      await inbox.carol.waitFor(gramjsGot(last('alice')), 'Carol gets Alice\'s last', 30_000);
      await inbox.carol.waitFor(gramjsGot(last('bob')), 'Carol gets Bob\'s last', 30_000);
      await inbox.bob.waitFor(mtcuteGot(last('alice')), 'Bob gets Alice\'s last', 30_000);
      await inbox.bob.waitFor(mtcuteGot(last('carol')), 'Bob gets Carol\'s last', 30_000);
      for (const s of sent) {
        if (s.from !== 'alice') assert.equal(gramjsCount(inbox.alice, s.text), 1, `Alice got "${s.text}" once`);
        if (s.from !== 'carol') assert.equal(gramjsCount(inbox.carol, s.text), 1, `Carol got "${s.text}" once`);
        if (s.from !== 'bob') assert.equal(mtcuteCount(s.text), 1, `Bob got "${s.text}" once`);
      }
      const histories = [await gramjsHistory(alice, chatG()), await gramjsHistory(carol, chatG()), await mtcuteHistory(chatM())].map((h) => h.map((m: any) => m.message));
      for (const h of histories) assert.deepEqual([...h].sort(), sent.map((s) => s.text).sort(), 'each message once in each history');
      // Each member's box numbers copies in the order that member received them; the messages each sender
      // wrote keep the sender's order everywhere.
      for (const h of histories) {
        for (const from of ['alice', 'bob', 'carol']) {
          const mine = h.filter((t) => t.startsWith(`group ${from} `)).reverse();
          assert.deepEqual(mine, Array.from({ length: 6 }, (_, i) => `group ${from} ${i}`));
        }
      }
      // The copies went through the broker: Inbox-T holds a record per recipient of each message (two per group send).
      const admin = new Admin({ clientId: 'echo-test-admin', bootstrapBrokers: kafkaBrokers() });
      try {
        const topic = `${PREFIX}Inbox-T`;
        const partitions = (await admin.metadata({ topics: [topic] })).topics.get(topic)!.partitionsCount;
        const [offsets] = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }] });
        const records = offsets!.partitions.reduce((n, p) => n + p.offset, 0n);
        assert.ok(records >= BigInt(2 * sent.length), `Inbox-T holds the fan-out (${records} records)`);
      } finally {
        await admin.close();
      }
    });
  });
}

