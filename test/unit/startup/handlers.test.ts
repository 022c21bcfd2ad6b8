// The start-up handlers through a real dispatcher: every method answers something that encodes for every
// supported layer that has the method (and decodes back), hashes lead to NotModified, and bad input gets
// Telegram's errors.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src/infra/db/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { AccountEvents } from '../../../src/service/events.js';
import { RpcDispatcher } from '../../../src/bff/registry.js';
import type { RpcContext } from '../../../src/bff/context.js';
import type { AppServices } from '../../../src/bff/services.js';
import { registerStartup } from '../../../src/bff/startup/index.js';
import { NO_STORIES_STATE } from '../../../src/bff/startup/stories.js';
import { RpcError } from '../../../src/common/rpc-error.js';
import { CANONICAL_LAYER, SUPPORTED_LAYERS, constructorId, decodeResult, encodeResult, type MethodName, type TlObject } from '../../../src/tl/index.js';
import { SERVICE_USER_ID } from '../../../src/service/authsession/service-account.js';

const ME = 1000n;
const OTHER = 2000n;
const GOOD_HASH = 77n;
const NOW = 1_700_000_000_000;


let dir: string;
let db: Database;
const rpc = new RpcDispatcher();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'echo-startup-handlers-'));
  db = await openDatabase(dir);
  await db.kysely.insertInto('auth_keys').values({ auth_key_id: 11n, auth_key: Buffer.alloc(256, 1), kind: 'perm', created_at: 1, expires_at: null, perm_auth_key_id: null, user_id: ME }).execute();
  const user = (id: bigint): TlObject => ({ _: 'user', id, firstName: `u${id}` });
  const services = {
    core: {
      db: db.kysely,
      now: () => NOW,
      events: new AccountEvents(createLogger('silent')),
      identity: { dcId: 1, host: 'echo.example', tcpPorts: [443] },
      users: { byId: async (id: bigint) => (id === ME || id === OTHER || id === SERVICE_USER_ID ? { id } : undefined) },
      accessHashes: { check: (_kind: string, _viewer: bigint, _id: bigint, hash: bigint) => hash === GOOD_HASH },
    },
    userViews: {
      many: async (_viewer: bigint, ids: readonly bigint[]) => ids.map(user),
      one: async (_viewer: bigint, id: bigint) => user(id),
    },
    chats: {
      peerFor: async () => {
        throw RpcError.badRequest('CHAT_ID_INVALID');
      },
    },
  } as unknown as AppServices;
  registerStartup(rpc, services);
});

after(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ctx(layer: number = CANONICAL_LAYER): RpcContext {
  return {
    authKey: { authKey: { id: 11n, key: Buffer.alloc(256) }, kind: 'perm', permKeyId: 11n, userId: ME, layer },
    sessionId: 1n,
    msgId: 1n,
    layer,
    connection: { id: 1, remoteAddress: '127.0.0.1', transport: 'test' },
    now: () => NOW,
  };
}

const call = (req: TlObject, layer?: number) => rpc.dispatch(req, ctx(layer)) as Promise<any>;

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof RpcError && err.errorMessage === message);
}

/** One sample request per method; an entry with `error` expects that error instead of an answer. */
const SAMPLES: { req: TlObject; error?: string }[] = [
  { req: { _: 'messages.getAllStickers', hash: 0n } },
  { req: { _: 'messages.getMaskStickers', hash: 0n } },
  { req: { _: 'messages.getEmojiStickers', hash: 0n } },
  { req: { _: 'messages.getArchivedStickers', offsetId: 0n, limit: 20 } },
  { req: { _: 'messages.getStickers', emoticon: '👍', hash: 0n } },
  { req: { _: 'messages.getFavedStickers', hash: 0n } },
  { req: { _: 'messages.getRecentStickers', hash: 0n } },
  { req: { _: 'messages.getSavedGifs', hash: 0n } },
  { req: { _: 'messages.getFeaturedStickers', hash: 0n } },
  { req: { _: 'messages.getFeaturedEmojiStickers', hash: 0n } },
  { req: { _: 'messages.getOldFeaturedStickers', offset: 0, limit: 20, hash: 0n } },
  { req: { _: 'messages.getStickerSet', stickerset: { _: 'inputStickerSetShortName', shortName: 'x' }, hash: 0 }, error: 'STICKERSET_INVALID' },
  { req: { _: 'messages.getCustomEmojiDocuments', documentId: [1n, 2n] } },
  { req: { _: 'messages.getEmojiGroups', hash: 0 } },
  { req: { _: 'messages.getEmojiStatusGroups', hash: 0 } },
  { req: { _: 'messages.getEmojiProfilePhotoGroups', hash: 0 } },
  { req: { _: 'messages.getEmojiStickerGroups', hash: 0 } },
  { req: { _: 'messages.getEmojiKeywords', langCode: 'en' } },
  { req: { _: 'messages.getEmojiKeywordsDifference', langCode: 'en', fromVersion: 0 } },
  { req: { _: 'messages.getEmojiKeywordsLanguages', langCodes: ['en', 'de'] } },
  { req: { _: 'messages.getAvailableReactions', hash: 0 } },
  { req: { _: 'messages.getRecentReactions', limit: 50, hash: 0n } },
  { req: { _: 'messages.getTopReactions', limit: 50, hash: 0n } },
  { req: { _: 'messages.getDefaultTagReactions', hash: 0n } },
  { req: { _: 'messages.getSavedReactionTags', hash: 0n } },
  { req: { _: 'messages.getAvailableEffects', hash: 0 } },
  { req: { _: 'help.getPromoData' } },
  { req: { _: 'help.dismissSuggestion', peer: { _: 'inputPeerEmpty' }, suggestion: 'VALIDATE_PHONE_NUMBER' } },
  { req: { _: 'help.getInviteText' } },
  { req: { _: 'help.getPeerColors', hash: 0 } },
  { req: { _: 'help.getPeerProfileColors', hash: 0 } },
  { req: { _: 'help.getPremiumPromo' } },
  { req: { _: 'help.getRecentMeUrls', referer: '' } },
  { req: { _: 'help.getSupport' } },
  { req: { _: 'help.getAppChangelog', prevAppVersion: '1.0' } },
  { req: { _: 'help.getTimezonesList', hash: 0 } },
  { req: { _: 'account.getContentSettings' } },
  { req: { _: 'account.getGlobalPrivacySettings' } },
  { req: { _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', keepArchivedUnmuted: true } } },
  { req: { _: 'account.getContactSignUpNotification' } },
  { req: { _: 'account.setContactSignUpNotification', silent: false } },
  { req: { _: 'account.registerDevice', tokenType: 2, token: 'fcm', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] } },
  { req: { _: 'account.unregisterDevice', tokenType: 2, token: 'fcm', otherUids: [] } },
  { req: { _: 'account.getReactionsNotifySettings' } },
  { req: { _: 'account.getThemes', format: 'android', hash: 0n } },
  { req: { _: 'account.getChatThemes', hash: 0n } },
  { req: { _: 'account.getTheme', format: 'android', theme: { _: 'inputThemeSlug', slug: 'x' } }, error: 'THEME_INVALID' },
  { req: { _: 'account.getDefaultProfilePhotoEmojis', hash: 0n } },
  { req: { _: 'account.getDefaultGroupPhotoEmojis', hash: 0n } },
  { req: { _: 'account.getDefaultBackgroundEmojis', hash: 0n } },
  { req: { _: 'account.getChannelRestrictedStatusEmojis', hash: 0n } },
  { req: { _: 'account.getDefaultEmojiStatuses', hash: 0n } },
  { req: { _: 'account.getRecentEmojiStatuses', hash: 0n } },
  { req: { _: 'account.getChannelDefaultEmojiStatuses', hash: 0n } },
  { req: { _: 'account.getCollectibleEmojiStatuses', hash: 0n } },
  { req: { _: 'account.getWallPapers', hash: 0n } },
  { req: { _: 'account.getSavedRingtones', hash: 0n } },
  { req: { _: 'account.getAutoDownloadSettings' } },
  { req: { _: 'account.getAutoSaveSettings' } },
  { req: { _: 'account.getWebAuthorizations' } },
  { req: { _: 'account.getPasskeys' } },
  { req: { _: 'stories.getAllStories' } },
  { req: { _: 'stories.getAllReadPeerStories' } },
  { req: { _: 'stories.getPeerStories', peer: { _: 'inputPeerSelf' } } },
  { req: { _: 'stories.getChatsToSend' } },
  { req: { _: 'messages.getDialogFilters' } },
  { req: { _: 'messages.getSuggestedDialogFilters' } },
  { req: { _: 'messages.getAttachMenuBots', hash: 0n } },
  { req: { _: 'contacts.getTopPeers', correspondents: true, offset: 0, limit: 20, hash: 0n } },
  { req: { _: 'contacts.getBirthdays' } },
  { req: { _: 'messages.getQuickReplies', hash: 0n } },
  { req: { _: 'users.getRequirementsToContact', id: [{ _: 'inputUserSelf' }, { _: 'inputUser', userId: OTHER, accessHash: GOOD_HASH }] } },
  { req: { _: 'messages.getDefaultHistoryTTL' } },
  { req: { _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } } },
];


test('every registered method has a sample, and every sample names a registered method', () => {
  const sampled = new Set(SAMPLES.map((s) => s.req._));
  assert.deepEqual(rpc.methods().filter((m) => !sampled.has(m)), []);
  assert.deepEqual([...sampled].filter((m) => !rpc.methods().includes(m)), []);
});

test('every answer encodes for every supported layer that has the method, and decodes back', async () => {
  let checked = 0;
  for (const { req, error } of SAMPLES) {
    const method = req._ as MethodName;
    for (const layer of SUPPORTED_LAYERS) {
      if (constructorId(method, layer) === undefined) continue;
      if (error) {
        await rejectsWith(call(req, layer), error);
        continue;
      }
      const result = await call(req, layer);
      if (result instanceof Uint8Array) {
        // Answered in the layer's own (older) shape: an empty Vector.
        assert.deepEqual(Buffer.from(result), Buffer.from([0x15, 0xc4, 0xb5, 0x1c, 0, 0, 0, 0]), `${method} at layer ${layer}`);
        checked++;
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = encodeResult(method, result, layer);
      } catch (err) {
        assert.fail(`${method} at layer ${layer}: ${(err as Error).message}`);
      }
      assert.doesNotThrow(() => decodeResult(method, bytes), `${method} at layer ${layer} decodes`);
      checked++;
    }
  }
  assert.ok(checked > 1000, `checked ${checked} method/layer pairs`);
});

test('a repeated call with the returned hash gets the NotModified constructor', async () => {
  const pairs: [TlObject, string][] = [
    [{ _: 'messages.getAllStickers', hash: 0n }, 'messages.allStickersNotModified'],
    [{ _: 'messages.getFeaturedStickers', hash: 0n }, 'messages.featuredStickersNotModified'],
    [{ _: 'messages.getAvailableReactions', hash: 0 }, 'messages.availableReactionsNotModified'],
    [{ _: 'help.getPeerColors', hash: 0 }, 'help.peerColorsNotModified'],
    [{ _: 'account.getThemes', format: 'android', hash: 0n }, 'account.themesNotModified'],
    [{ _: 'account.getDefaultEmojiStatuses', hash: 0n }, 'account.emojiStatusesNotModified'],
    [{ _: 'messages.getAttachMenuBots', hash: 0n }, 'attachMenuBotsNotModified'],
    [{ _: 'help.getTimezonesList', hash: 0 }, 'help.timezonesListNotModified'],
  ];
  for (const [req, notModified] of pairs) {
    const first = await call(req);
    assert.notEqual(first._, notModified);
    assert.ok(first.hash !== 0 && first.hash !== 0n, `${req._} carries a non-zero hash`);
    assert.equal((await call({ ...req, hash: first.hash }))._, notModified, req._);
    const other = typeof first.hash === 'bigint' ? first.hash + 1n : first.hash + 1;
    assert.equal((await call({ ...req, hash: other }))._, first._, `${req._} with a stale hash`);
  }
  const featured = await call({ _: 'messages.getFeaturedStickers', hash: (await call({ _: 'messages.getFeaturedStickers', hash: 0n })).hash });
  assert.equal(featured.count, 0);
});

test('the hashes of different lists differ', async () => {
  const a = await call({ _: 'messages.getAllStickers', hash: 0n });
  const b = await call({ _: 'messages.getMaskStickers', hash: 0n });
  assert.notEqual(a.hash, b.hash);
  assert.equal((await call({ _: 'messages.getMaskStickers', hash: a.hash }))._, 'messages.allStickers');
});

test('stories: the fixed empty state is not modified; next pages and unknown states get the empty list', async () => {
  const all = await call({ _: 'stories.getAllStories' });
  assert.deepEqual(all, { _: 'stories.allStories', count: 0, state: NO_STORIES_STATE, peerStories: [], chats: [], users: [], stealthMode: { _: 'storiesStealthMode' } });
  assert.equal((await call({ _: 'stories.getAllStories', state: all.state }))._, 'stories.allStoriesNotModified');
  assert.equal((await call({ _: 'stories.getAllStories', state: 'something-else' }))._, 'stories.allStories');
  assert.equal((await call({ _: 'stories.getAllStories', next: true, state: all.state }))._, 'stories.allStories');
  const peer = await call({ _: 'stories.getPeerStories', peer: { _: 'inputPeerUser', userId: OTHER, accessHash: GOOD_HASH } });
  assert.deepEqual(peer.stories, { _: 'peerStories', peer: { _: 'peerUser', userId: OTHER }, stories: [] });
  assert.deepEqual(peer.users.map((u: TlObject) => u.id), [OTHER]);
  await rejectsWith(call({ _: 'stories.getPeerStories', peer: { _: 'inputPeerUser', userId: OTHER, accessHash: 1n } }), 'PEER_ID_INVALID');
  await rejectsWith(call({ _: 'stories.getPeerStories', peer: { _: 'inputPeerChat', chatId: 5n } }), 'PEER_ID_INVALID');
});

test('help: promo data expires in an hour, the support user is the service account, peer colors are the built-in seven', async () => {
  assert.deepEqual(await call({ _: 'help.getPromoData' }), { _: 'help.promoDataEmpty', expires: NOW / 1000 + 3600 });
  const support = await call({ _: 'help.getSupport' });
  assert.equal(support.user.id, SERVICE_USER_ID);
  const colors = await call({ _: 'help.getPeerColors', hash: 0 });
  assert.deepEqual(colors.colors.map((c: TlObject) => c.colorId), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(colors.colors.every((c: TlObject) => c.colors === undefined), 'palettes 0-6 are the clients\' built-in ones');
  assert.deepEqual((await call({ _: 'help.getPeerProfileColors', hash: 0 })).colors, []);
  assert.match((await call({ _: 'help.getInviteText' })).message, /Echo.*echo\.example/);
  const promo = await call({ _: 'help.getPremiumPromo' });
  assert.deepEqual(promo.periodOptions, []);
  assert.match(promo.statusText, /no premium/);
  await rejectsWith(call({ _: 'help.dismissSuggestion', peer: { _: 'inputPeerUser', userId: OTHER, accessHash: 1n }, suggestion: 'x' }), 'PEER_ID_INVALID');
  assert.equal(await call({ _: 'help.dismissSuggestion', peer: { _: 'inputPeerUser', userId: OTHER, accessHash: GOOD_HASH }, suggestion: 'x' }), true);
});

test('emoji keywords: version 0 and no keywords, whatever version the client had', async () => {
  assert.deepEqual(await call({ _: 'messages.getEmojiKeywords', langCode: 'de' }), { _: 'emojiKeywordsDifference', langCode: 'de', fromVersion: 0, version: 0, keywords: [] });
  assert.deepEqual(await call({ _: 'messages.getEmojiKeywordsDifference', langCode: 'en', fromVersion: 12 }), { _: 'emojiKeywordsDifference', langCode: 'en', fromVersion: 12, version: 0, keywords: [] });
});

test('account settings: global privacy answers the settings in force; unavailable ones get errors', async () => {
  const effective = await call({ _: 'account.getGlobalPrivacySettings' });
  assert.equal(effective.hideReadMarks, true);
  assert.equal(effective.keepArchivedUnmuted, true);
  assert.equal(effective.archiveAndMuteNewNoncontactPeers, false);
  assert.deepEqual(await call({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings' } }), effective);
  await rejectsWith(call({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', archiveAndMuteNewNoncontactPeers: true } }), 'AUTOARCHIVE_NOT_AVAILABLE');
  await rejectsWith(call({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', newNoncontactPeersRequirePremium: true } }), 'PREMIUM_ACCOUNT_REQUIRED');
});

test('account settings: contact sign-up preference and push registration go through the store', async () => {
  assert.equal(await call({ _: 'account.setContactSignUpNotification', silent: true }), true);
  assert.equal(await call({ _: 'account.getContactSignUpNotification' }), true);
  assert.equal(await call({ _: 'account.setContactSignUpNotification', silent: false }), true);
  assert.equal(await call({ _: 'account.getContactSignUpNotification' }), false);

  assert.equal(await call({ _: 'account.registerDevice', noMuted: true, tokenType: 7, token: '12345', appSandbox: false, secret: Buffer.alloc(0), otherUids: [OTHER] }), true);
  const rows = await db.kysely.selectFrom('push_devices').selectAll().where('user_id', '=', ME).execute();
  assert.deepEqual(rows.map((r) => [r.perm_key_id, Number(r.token_type), r.token, Number(r.no_muted), r.other_uids]), [[11n, 7, '12345', 1, JSON.stringify([String(OTHER)])]]);
  assert.equal(await call({ _: 'account.unregisterDevice', tokenType: 7, token: '12345', otherUids: [] }), true);
  assert.equal((await db.kysely.selectFrom('push_devices').selectAll().where('user_id', '=', ME).execute()).length, 0);

  await rejectsWith(call({ _: 'account.registerDevice', tokenType: 99, token: 't', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), 'TOKEN_TYPE_INVALID');
  await rejectsWith(call({ _: 'account.registerDevice', tokenType: 2, token: '', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), 'TOKEN_EMPTY');
  await rejectsWith(call({ _: 'account.unregisterDevice', tokenType: 0, token: 't', otherUids: [] }), 'TOKEN_TYPE_INVALID');
});

test('misc: requirements to contact, stars balance per layer, top peers', async () => {
  assert.deepEqual(await call({ _: 'users.getRequirementsToContact', id: [{ _: 'inputUserSelf' }, { _: 'inputUser', userId: OTHER, accessHash: GOOD_HASH }] }), [
    { _: 'requirementToContactEmpty' },
    { _: 'requirementToContactEmpty' },
  ]);
  assert.deepEqual(await call({ _: 'users.getRequirementsToContact', id: [] }), []);
  await rejectsWith(call({ _: 'users.getRequirementsToContact', id: [{ _: 'inputUser', userId: OTHER, accessHash: 5n }] }), 'USER_ID_INVALID');
  await rejectsWith(call({ _: 'users.getRequirementsToContact', id: Array.from({ length: 201 }, () => ({ _: 'inputUserSelf' })) }), 'LIMIT_INVALID');

  assert.deepEqual((await call({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } })).balance, { _: 'starsAmount', amount: 0n, nanos: 0 });
  assert.deepEqual((await call({ _: 'payments.getStarsStatus', ton: true, peer: { _: 'inputPeerSelf' } })).balance, { _: 'starsTonAmount', amount: 0n });
  assert.equal((await call({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } }, 186)).balance, 0n);
  await rejectsWith(call({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerUser', userId: OTHER, accessHash: GOOD_HASH } }), 'PEER_ID_INVALID');

  assert.deepEqual(await call({ _: 'contacts.getTopPeers', correspondents: true, offset: 0, limit: 10, hash: 0n }), { _: 'contacts.topPeersDisabled' });
  assert.deepEqual(await call({ _: 'messages.getDialogFilters' }), { _: 'messages.dialogFilters', filters: [] });
});

test('signed-out callers are refused except for help.*', async () => {
  const signedOut: RpcContext = { ...ctx(), authKey: { ...ctx().authKey, userId: undefined } };
  await assert.rejects(rpc.dispatch({ _: 'messages.getAllStickers', hash: 0n }, signedOut), (e: unknown) => e instanceof RpcError && e.code === 401);
  assert.equal(((await rpc.dispatch({ _: 'help.getPromoData' }, signedOut)) as TlObject)._, 'help.promoDataEmpty');
  await assert.rejects(rpc.dispatch({ _: 'help.getSupport' }, signedOut), (e: unknown) => e instanceof RpcError && e.code === 401);
  await assert.rejects(rpc.dispatch({ _: 'help.dismissSuggestion', peer: { _: 'inputPeerEmpty' }, suggestion: 'x' }, signedOut), (e: unknown) => e instanceof RpcError && e.code === 401);
});
