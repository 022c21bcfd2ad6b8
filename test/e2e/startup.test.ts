// The calls real clients make on every launch (stickers, reactions, promo data, colors, privacy, push,
// stories, folders, ...) end to end: a GramJS user (layer 198) and an mtcute user (layer 227), signed up
// with the fixed test code, call every start-up method their layer has and decode every answer; a
// representative set is checked for its documented constructor, and a repeated call with the returned
// hash gets the NotModified constructor. The tests share one echod and the two signed-in clients.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import Long from 'long';
import { startEchod, type EchodProcess } from '../support/echod.js';
import { Api, GRAMJS_LAYER, type EchoTarget, type GramjsHandle } from '../support/gramjs.js';
import { MTCUTE_LAYER, type MtcuteHandle } from '../support/mtcute.js';
import { FIXED_CODE_ENV, signUpGramjs, signUpMtcute, testPhone } from '../support/accounts.js';
import { constructorId } from '../../src/tl/index.js';

const TIMEOUT = 120_000;
/** A client that cannot decode an answer may never settle its call: that is a failure too. */
const CALL_TIMEOUT_MS = 15_000;

type Canon = { _: string; [k: string]: unknown };

/** Every start-up method with a sample request (canonical field names, bigint for long). */
const METHODS: Canon[] = [
  { _: 'messages.getAllStickers', hash: 0n },
  { _: 'messages.getMaskStickers', hash: 0n },
  { _: 'messages.getEmojiStickers', hash: 0n },
  { _: 'messages.getArchivedStickers', offsetId: 0n, limit: 20 },
  { _: 'messages.getStickers', emoticon: '👍', hash: 0n },
  { _: 'messages.getFavedStickers', hash: 0n },
  { _: 'messages.getRecentStickers', hash: 0n },
  { _: 'messages.getSavedGifs', hash: 0n },
  { _: 'messages.getFeaturedStickers', hash: 0n },
  { _: 'messages.getFeaturedEmojiStickers', hash: 0n },
  { _: 'messages.getOldFeaturedStickers', offset: 0, limit: 20, hash: 0n },
  { _: 'messages.getCustomEmojiDocuments', documentId: [1n] },
  { _: 'messages.getEmojiGroups', hash: 0 },
  { _: 'messages.getEmojiStatusGroups', hash: 0 },
  { _: 'messages.getEmojiProfilePhotoGroups', hash: 0 },
  { _: 'messages.getEmojiStickerGroups', hash: 0 },
  { _: 'messages.getEmojiKeywords', langCode: 'en' },
  { _: 'messages.getEmojiKeywordsDifference', langCode: 'en', fromVersion: 0 },
  { _: 'messages.getEmojiKeywordsLanguages', langCodes: ['en'] },
  { _: 'messages.getAvailableReactions', hash: 0 },
  { _: 'messages.getRecentReactions', limit: 50, hash: 0n },
  { _: 'messages.getTopReactions', limit: 50, hash: 0n },
  { _: 'messages.getDefaultTagReactions', hash: 0n },
  { _: 'messages.getSavedReactionTags', hash: 0n },
  { _: 'messages.getAvailableEffects', hash: 0 },
  { _: 'help.getPromoData' },
  { _: 'help.getInviteText' },
  { _: 'help.getPeerColors', hash: 0 },
  { _: 'help.getPeerProfileColors', hash: 0 },
  { _: 'help.getPremiumPromo' },
  { _: 'help.getRecentMeUrls', referer: '' },
  { _: 'help.getSupport' },
  { _: 'help.getTimezonesList', hash: 0 },
  { _: 'account.getContentSettings' },
  { _: 'account.getGlobalPrivacySettings' },
  { _: 'account.getContactSignUpNotification' },
  { _: 'account.getReactionsNotifySettings' },
  { _: 'account.getThemes', format: 'android', hash: 0n },
  { _: 'account.getChatThemes', hash: 0n },
  { _: 'account.getDefaultProfilePhotoEmojis', hash: 0n },
  { _: 'account.getDefaultGroupPhotoEmojis', hash: 0n },
  { _: 'account.getDefaultBackgroundEmojis', hash: 0n },
  { _: 'account.getChannelRestrictedStatusEmojis', hash: 0n },
  { _: 'account.getDefaultEmojiStatuses', hash: 0n },
  { _: 'account.getRecentEmojiStatuses', hash: 0n },
  { _: 'account.getChannelDefaultEmojiStatuses', hash: 0n },
  { _: 'account.getCollectibleEmojiStatuses', hash: 0n },
  { _: 'account.getWallPapers', hash: 0n },
  { _: 'account.getSavedRingtones', hash: 0n },
  { _: 'account.getAutoDownloadSettings' },
  { _: 'account.getAutoSaveSettings' },
  { _: 'account.getWebAuthorizations' },
  { _: 'account.getPasskeys' },
  { _: 'stories.getAllStories' },
  { _: 'stories.getAllReadPeerStories' },
  { _: 'stories.getPeerStories', peer: { _: 'inputPeerSelf' } },
  { _: 'stories.getChatsToSend' },
  { _: 'messages.getDialogFilters' },
  { _: 'messages.getSuggestedDialogFilters' },
  { _: 'messages.getAttachMenuBots', hash: 0n },
  { _: 'contacts.getTopPeers', correspondents: true, offset: 0, limit: 20, hash: 0n },
  { _: 'contacts.getBirthdays' },
  { _: 'messages.getQuickReplies', hash: 0n },
  { _: 'users.getRequirementsToContact', id: [{ _: 'inputUserSelf' }] },
  { _: 'messages.getDefaultHistoryTTL' },
  { _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } },
];

const upperFirst = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

/** A canonical TL value as GramJS objects (Api classes, big-integer for long). */
function toGramjs(v: unknown): any {
  if (typeof v === 'bigint') return bigInt(v.toString());
  if (Array.isArray(v)) return v.map(toGramjs);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v) && '_' in v) {
    const { _, ...fields } = v as Canon;
    const parts = _.split('.');
    const ns: any = parts.length === 2 ? (Api as any)[parts[0]!] : Api;
    const Cls = ns?.[upperFirst(parts[parts.length - 1]!)];
    if (!Cls) throw new Error(`GramJS has no class for ${_}`);
    return new Cls(Object.fromEntries(Object.entries(fields).map(([k, x]) => [k, toGramjs(x)])));
  }
  return v;
}

/** A canonical TL value as mtcute objects (Long for long). */
function toMtcute(v: unknown): any {
  if (typeof v === 'bigint') return Long.fromString(v.toString());
  if (Array.isArray(v)) return v.map(toMtcute);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toMtcute(x)]));
  return v;
}

/** The predicate name of an answer, whichever client decoded it ('messages.AllStickers' -> 'messages.allStickers'). */
function predicateOf(res: any): string {
  if (typeof res === 'boolean') return res ? 'boolTrue' : 'boolFalse';
  if (Array.isArray(res)) return 'vector';
  if (typeof res?._ === 'string') return res._;
  const name: string = res?.className ?? '';
  const cut = name.lastIndexOf('.');
  return cut < 0 ? lowerFirst(name) : `${name.slice(0, cut)}.${lowerFirst(name.slice(cut + 1))}`;
}

function rpcMessage(err: unknown): string {
  const e = err as { errorMessage?: unknown; text?: unknown };
  const message = typeof e?.errorMessage === 'string' ? e.errorMessage : typeof e?.text === 'string' ? e.text : undefined;
  assert.ok(message, `expected an RPC error, got: ${String((err as Error)?.stack ?? err)}`);
  return message;
}

async function rejectsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.equal(rpcMessage(err), message);
    return true;
  });
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    }),
  ]);
}

let echod: EchodProcess;
let gina: GramjsHandle;
let milo: MtcuteHandle;

before(async () => {
  echod = await startEchod({ env: { ...FIXED_CODE_ENV } });
  const cfg = await echod.clientConfig();
  const target: EchoTarget = { dcId: cfg.dcId, host: cfg.host, port: cfg.port, httpPort: echod.httpPort, publicKey: cfg.publicKey };
  gina = (await signUpGramjs(target, { phone: testPhone(3_100_001), firstName: 'Gina' })).handle;
  milo = (await signUpMtcute(target, { phone: testPhone(3_100_002), firstName: 'Milo' })).handle;
});

after(async () => {
  await gina?.close().catch(() => {});
  await milo?.close().catch(() => {});
  await echod?.dispose();
});

const gcall = (req: Canon): Promise<any> => withTimeout(gina.client.invoke(toGramjs(req)), `GramJS ${req._}`);
const mcall = (req: Canon): Promise<any> => withTimeout(milo.client.call(toMtcute(req)), `mtcute ${req._}`);

describe('start-up calls', { timeout: TIMEOUT }, () => {
  test('the two clients speak different layers', () => {
    assert.equal(GRAMJS_LAYER, 198);
    assert.equal(MTCUTE_LAYER, 227);
  });

  for (const [client, layer, callOf] of [
    ['GramJS', 198, gcall],
    ['mtcute', 227, mcall],
  ] as const) {
    test(`${client} (layer ${layer}) gets and decodes an answer to every start-up method of its layer`, async () => {
      const answered: string[] = [];
      for (const req of METHODS) {
        if (constructorId(req._, layer) === undefined) continue;
        const res = await callOf(req).catch((err: unknown) => {
          throw new Error(`${client} ${req._}: ${String((err as Error)?.message ?? err)}`);
        });
        assert.notEqual(res, undefined, `${client} ${req._}`);
        answered.push(req._);
      }
      // Layer 198 lacks only the methods added later (passkeys, requirements to contact).
      assert.ok(answered.length >= METHODS.length - 3, `${client} answered ${answered.length} of ${METHODS.length}`);
    });
  }

  test('documented constructors (GramJS and mtcute agree)', async () => {
    const expect: [Canon, string][] = [
      [{ _: 'messages.getAllStickers', hash: 0n }, 'messages.allStickers'],
      [{ _: 'messages.getFeaturedStickers', hash: 0n }, 'messages.featuredStickers'],
      [{ _: 'messages.getAvailableReactions', hash: 0 }, 'messages.availableReactions'],
      [{ _: 'messages.getTopReactions', limit: 10, hash: 0n }, 'messages.reactions'],
      [{ _: 'help.getPromoData' }, 'help.promoDataEmpty'],
      [{ _: 'help.getPeerColors', hash: 0 }, 'help.peerColors'],
      [{ _: 'help.getPremiumPromo' }, 'help.premiumPromo'],
      [{ _: 'help.getSupport' }, 'help.support'],
      [{ _: 'account.getContentSettings' }, 'account.contentSettings'],
      [{ _: 'account.getGlobalPrivacySettings' }, 'globalPrivacySettings'],
      [{ _: 'account.getReactionsNotifySettings' }, 'reactionsNotifySettings'],
      [{ _: 'account.getDefaultEmojiStatuses', hash: 0n }, 'account.emojiStatuses'],
      [{ _: 'stories.getAllStories' }, 'stories.allStories'],
      [{ _: 'stories.getAllReadPeerStories' }, 'updates'],
      [{ _: 'messages.getDialogFilters' }, 'messages.dialogFilters'],
      [{ _: 'messages.getAttachMenuBots', hash: 0n }, 'attachMenuBots'],
      [{ _: 'contacts.getTopPeers', correspondents: true, offset: 0, limit: 20, hash: 0n }, 'contacts.topPeersDisabled'],
      [{ _: 'contacts.getBirthdays' }, 'contacts.contactBirthdays'],
      [{ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } }, 'payments.starsStatus'],
    ];
    for (const [req, predicate] of expect) {
      assert.equal(predicateOf(await gcall(req)), predicate, `GramJS ${req._}`);
      assert.equal(predicateOf(await mcall(req)), predicate, `mtcute ${req._}`);
    }

    const g = await gcall({ _: 'messages.getAllStickers', hash: 0n });
    assert.deepEqual(g.sets, []);
    const m = await mcall({ _: 'stories.getAllStories' });
    assert.equal(m.count, 0);
    assert.deepEqual(m.peerStories, []);
    const support = await mcall({ _: 'help.getSupport' });
    assert.equal(support.user.id, 777000);
    assert.equal(support.user.support, true);
    const colors = await gcall({ _: 'help.getPeerColors', hash: 0 });
    assert.deepEqual(colors.colors.map((c: any) => c.colorId), [0, 1, 2, 3, 4, 5, 6]);
    const stars = await gcall({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } });
    assert.equal(stars.balance.amount.toString(), '0');
    assert.deepEqual(await gcall({ _: 'messages.getSuggestedDialogFilters' }), []);
    assert.deepEqual(
      (await mcall({ _: 'users.getRequirementsToContact', id: [{ _: 'inputUserSelf' }] })).map((r: any) => r._),
      ['requirementToContactEmpty'],
    );
    const keywords = await mcall({ _: 'messages.getEmojiKeywordsDifference', langCode: 'en', fromVersion: 0 });
    assert.equal(keywords._, 'emojiKeywordsDifference');
    assert.equal(keywords.version, 0);
    assert.deepEqual(keywords.keywords, []);
  });

  test('a repeated call with the returned hash gets the NotModified constructor', async () => {
    const cases: [Canon, string][] = [
      [{ _: 'messages.getAllStickers', hash: 0n }, 'messages.allStickersNotModified'],
      [{ _: 'messages.getSavedGifs', hash: 0n }, 'messages.savedGifsNotModified'],
      [{ _: 'messages.getFeaturedEmojiStickers', hash: 0n }, 'messages.featuredStickersNotModified'],
      [{ _: 'messages.getAvailableReactions', hash: 0 }, 'messages.availableReactionsNotModified'],
      [{ _: 'messages.getRecentReactions', limit: 20, hash: 0n }, 'messages.reactionsNotModified'],
      [{ _: 'messages.getAvailableEffects', hash: 0 }, 'messages.availableEffectsNotModified'],
      [{ _: 'help.getPeerColors', hash: 0 }, 'help.peerColorsNotModified'],
      [{ _: 'help.getTimezonesList', hash: 0 }, 'help.timezonesListNotModified'],
      [{ _: 'account.getThemes', format: 'tdesktop', hash: 0n }, 'account.themesNotModified'],
      [{ _: 'account.getDefaultProfilePhotoEmojis', hash: 0n }, 'emojiListNotModified'],
      [{ _: 'account.getRecentEmojiStatuses', hash: 0n }, 'account.emojiStatusesNotModified'],
      [{ _: 'messages.getAttachMenuBots', hash: 0n }, 'attachMenuBotsNotModified'],
    ];
    for (const [req, notModified] of cases) {
      const g = await gcall(req);
      assert.notEqual(g.hash.toString(), '0', `GramJS ${req._} hash`);
      const gHash = typeof req.hash === 'bigint' ? BigInt(g.hash.toString()) : Number(g.hash);
      assert.equal(predicateOf(await gcall({ ...req, hash: gHash })), notModified, `GramJS ${req._}`);
      const m = await mcall(req);
      const mHash = typeof req.hash === 'bigint' ? BigInt(m.hash.toString()) : Number(m.hash);
      assert.equal(mHash, gHash, `${req._}: the same content has the same hash for both clients`);
      assert.equal(predicateOf(await mcall({ ...req, hash: mHash })), notModified, `mtcute ${req._}`);
    }
    const stories = await mcall({ _: 'stories.getAllStories' });
    assert.equal(predicateOf(await mcall({ _: 'stories.getAllStories', state: stories.state })), 'stories.allStoriesNotModified');
    assert.equal(predicateOf(await gcall({ _: 'stories.getAllStories', state: stories.state })), 'stories.allStoriesNotModified');
  });

  test('what does not exist answers Telegram errors', async () => {
    await rejectsWith(gcall({ _: 'messages.getStickerSet', stickerset: { _: 'inputStickerSetShortName', shortName: 'AnimatedEmojies' }, hash: 0 }), 'STICKERSET_INVALID');
    await rejectsWith(mcall({ _: 'messages.getStickerSet', stickerset: { _: 'inputStickerSetDice', emoticon: '🎲' }, hash: 0 }), 'STICKERSET_INVALID');
    await rejectsWith(mcall({ _: 'account.getTheme', format: 'android', theme: { _: 'inputThemeSlug', slug: 'night' } }), 'THEME_INVALID');
    await rejectsWith(gcall({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', archiveAndMuteNewNoncontactPeers: true } }), 'AUTOARCHIVE_NOT_AVAILABLE');
    await rejectsWith(mcall({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', newNoncontactPeersRequirePremium: true } }), 'PREMIUM_ACCOUNT_REQUIRED');
  });

  test('preferences: global privacy answers the settings in force, contact sign-up silence is stored per user', async () => {
    const set = await mcall({ _: 'account.setGlobalPrivacySettings', settings: { _: 'globalPrivacySettings', keepArchivedUnmuted: true } });
    assert.equal(set._, 'globalPrivacySettings');
    assert.equal(set.hideReadMarks, true);
    assert.equal(await gcall({ _: 'account.setContactSignUpNotification', silent: true }), true);
    assert.equal(await gcall({ _: 'account.getContactSignUpNotification' }), true);
    assert.equal(await mcall({ _: 'account.getContactSignUpNotification' }), false, "Milo's preference is his own");
    assert.equal(await gcall({ _: 'account.setContactSignUpNotification', silent: false }), true);
    assert.equal(await gcall({ _: 'account.getContactSignUpNotification' }), false);
  });

  test('push registration: tokens are accepted and removed; bad ones get Telegram errors', async () => {
    assert.equal(await gcall({ _: 'account.registerDevice', tokenType: 2, token: 'fcm-token-of-gina', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), true);
    assert.equal(await mcall({ _: 'account.registerDevice', noMuted: true, tokenType: 7, token: '1234', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), true);
    assert.equal(await gcall({ _: 'account.unregisterDevice', tokenType: 2, token: 'fcm-token-of-gina', otherUids: [] }), true);
    await rejectsWith(gcall({ _: 'account.registerDevice', tokenType: 42, token: 't', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), 'TOKEN_TYPE_INVALID');
    await rejectsWith(mcall({ _: 'account.registerDevice', tokenType: 2, token: '', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), 'TOKEN_EMPTY');
    await rejectsWith(mcall({ _: 'account.registerDevice', tokenType: 10, token: '{"endpoint":"https://push.example"}', appSandbox: false, secret: Buffer.alloc(0), otherUids: [] }), 'WEBPUSH_KEY_INVALID');
  });
});
