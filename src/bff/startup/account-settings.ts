// account.* calls of the start-up and settings screens: content and global privacy settings, contact
// sign-up notifications, push registration, themes, emoji lists, reaction notifications, wallpapers,
// ringtones, auto-download and auto-save presets, web logins, passkeys.
import { RpcError } from '../../common/rpc-error.js';
import type { AccountSettingsStore } from '../../service/account/settings-store.js';
import type { TlObject } from '../../tl/index.js';
import type { RpcContext } from '../context.js';
import { viewerOf } from '../peers.js';
import type { RpcDispatcher } from '../registry.js';
import { cached64 } from './cache-hash.js';

/** core.telegram.org/api/push-updates: APNs, FCM, MPNS, Simple push, Ubuntu, BlackBerry, MTProto session, WNS, APNs VoIP, web push, MPNS VoIP, Tizen, Huawei. */
export const TOKEN_TYPE_MIN = 1;
export const TOKEN_TYPE_MAX = 13;
export const TOKEN_TYPE_WEB_PUSH = 10;
/** Longer than any push service's token or endpoint URL. */
export const TOKEN_MAX_LENGTH = 4096;
/** The MTProto v2 key FCM / APNs VoIP payloads are encrypted with is 256 bytes. */
export const SECRET_MAX_LENGTH = 256;

/**
 * What Echo does, which is all a client may be told: it never archives new chats by itself, an archived
 * chat stays archived when a message arrives (messages keep their folder), and read dates always follow
 * the last-seen privacy rules (messenger/read-dates.ts). archive_and_mute is sent explicitly because
 * layer 158 carries it as a Bool.
 */
export const EFFECTIVE_GLOBAL_PRIVACY: TlObject = {
  _: 'globalPrivacySettings',
  archiveAndMuteNewNoncontactPeers: false,
  keepArchivedUnmuted: true,
  keepArchivedFolders: true,
  hideReadMarks: true,
};

/** The error a requested global privacy setting meets, or undefined when Echo's behaviour satisfies it. */
export function globalPrivacyError(settings: TlObject): RpcError | undefined {
  if (settings._ !== 'globalPrivacySettings') return RpcError.badRequest('SETTINGS_INVALID');
  // The app config does not advertise autoarchive_setting_available: Echo cannot auto-archive.
  if (settings.archiveAndMuteNewNoncontactPeers === true) return RpcError.badRequest('AUTOARCHIVE_NOT_AVAILABLE');
  const paidStars = settings.noncontactPeersPaidStars as bigint | undefined;
  const disallowedGifts = settings.disallowedGifts as TlObject | undefined;
  const restrictsGifts = disallowedGifts !== undefined && Object.entries(disallowedGifts).some(([k, v]) => k !== '_' && v === true);
  // Premium-only settings; nobody has premium on Echo.
  if (settings.newNoncontactPeersRequirePremium === true || (paidStars !== undefined && paidStars !== 0n) || settings.displayGiftsButton === true || restrictsGifts) {
    return new RpcError(403, 'PREMIUM_ACCOUNT_REQUIRED');
  }
  return undefined;
}

/** Checks a registerDevice token; the Telegram error for a bad one. */
export function tokenError(tokenType: number, token: string, secret: Buffer | undefined): RpcError | undefined {
  if (!Number.isInteger(tokenType) || tokenType < TOKEN_TYPE_MIN || tokenType > TOKEN_TYPE_MAX) return RpcError.badRequest('TOKEN_TYPE_INVALID');
  if (token.trim() === '') return RpcError.badRequest('TOKEN_EMPTY');
  if (token.length > TOKEN_MAX_LENGTH || (secret !== undefined && secret.length > SECRET_MAX_LENGTH)) return RpcError.badRequest('TOKEN_INVALID');
  if (tokenType === TOKEN_TYPE_WEB_PUSH) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(token);
    } catch {
      return RpcError.badRequest('WEBPUSH_TOKEN_INVALID');
    }
    const p = parsed as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
    if (!p || typeof p !== 'object' || typeof p.endpoint !== 'string' || !/^https:\/\//.test(p.endpoint)) return RpcError.badRequest('WEBPUSH_TOKEN_INVALID');
    if (typeof p.keys?.p256dh !== 'string' || p.keys.p256dh === '') return RpcError.badRequest('WEBPUSH_KEY_INVALID');
    if (typeof p.keys?.auth !== 'string' || p.keys.auth === '') return RpcError.badRequest('WEBPUSH_AUTH_INVALID');
  }
  return undefined;
}

/**
 * Echo's recommended auto-download presets (low / medium / high data usage); a client picks one by the
 * network it is on. Sizes in bytes, bitrate in kbit/s.
 */
export const AUTO_DOWNLOAD_PRESETS: TlObject = {
  _: 'account.autoDownloadSettings',
  low: { _: 'autoDownloadSettings', phonecallsLessData: true, photoSizeMax: 1_048_576, videoSizeMax: 0n, fileSizeMax: 0n, videoUploadMaxbitrate: 50, smallQueueActiveOperationsMax: 2, largeQueueActiveOperationsMax: 1 },
  medium: { _: 'autoDownloadSettings', audioPreloadNext: true, photoSizeMax: 1_048_576, videoSizeMax: 10_485_760n, fileSizeMax: 1_048_576n, videoUploadMaxbitrate: 100, smallQueueActiveOperationsMax: 5, largeQueueActiveOperationsMax: 3 },
  high: { _: 'autoDownloadSettings', videoPreloadLarge: true, audioPreloadNext: true, storiesPreload: true, photoSizeMax: 1_048_576, videoSizeMax: 15_728_640n, fileSizeMax: 3_145_728n, videoUploadMaxbitrate: 100, smallQueueActiveOperationsMax: 10, largeQueueActiveOperationsMax: 5 },
};

export function registerAccountSettings(rpc: RpcDispatcher, settings: AccountSettingsStore): void {
  // Echo does not classify content as sensitive, so there is no filter to switch on.
  rpc.registerUntyped('account.getContentSettings', () => ({ _: 'account.contentSettings' }));

  rpc.registerUntyped('account.getGlobalPrivacySettings', () => EFFECTIVE_GLOBAL_PRIVACY);
  // Echo's archive and read-date behaviour is fixed: what can be satisfied answers the settings in force
  // (which the client shows); what cannot answers Telegram's error for it.
  rpc.registerUntyped('account.setGlobalPrivacySettings', (req: { settings: TlObject }) => {
    const err = globalPrivacyError(req.settings);
    if (err) throw err;
    return EFFECTIVE_GLOBAL_PRIVACY;
  });

  // A preference synced between the user's devices: whether "contact joined" notices notify.
  rpc.registerUntyped('account.getContactSignUpNotification', (_req, ctx: RpcContext) => settings.contactSignUpSilent(viewerOf(ctx)));
  rpc.registerUntyped('account.setContactSignUpNotification', async (req: { silent: boolean }, ctx: RpcContext) => {
    await settings.setContactSignUpSilent(viewerOf(ctx), req.silent === true);
    return true;
  });

  // The token is stored per device for a push sender; Echo itself delivers updates over MTProto only.
  rpc.registerUntyped('account.registerDevice', async (req: { noMuted?: boolean; tokenType: number; token: string; appSandbox: boolean; secret?: Buffer; otherUids?: bigint[] }, ctx: RpcContext) => {
    const userId = viewerOf(ctx);
    const permKeyId = ctx.authKey.permKeyId;
    if (permKeyId === undefined) throw RpcError.unauthorized('AUTH_KEY_PERM_EMPTY');
    const err = tokenError(req.tokenType, req.token, req.secret);
    if (err) throw err;
    await settings.registerDevice({
      permKeyId,
      userId,
      tokenType: req.tokenType,
      token: req.token,
      appSandbox: req.appSandbox === true,
      noMuted: req.noMuted === true,
      ...(req.secret ? { secret: Buffer.from(req.secret) } : {}),
      otherUids: (req.otherUids ?? []).map((id) => BigInt(id)),
    });
    return true;
  });
  // Afterwards the token is not registered for this account, whether or not it was before.
  rpc.registerUntyped('account.unregisterDevice', async (req: { tokenType: number; token: string }, ctx: RpcContext) => {
    if (!Number.isInteger(req.tokenType) || req.tokenType < TOKEN_TYPE_MIN || req.tokenType > TOKEN_TYPE_MAX) throw RpcError.badRequest('TOKEN_TYPE_INVALID');
    await settings.unregisterDevice(viewerOf(ctx), req.tokenType, req.token);
    return true;
  });

  // Nobody can react here, so no reaction notifies: leaving messages_notify_from / stories_notify_from
  // unset is the API's "reaction notifications off".
  rpc.registerUntyped('account.getReactionsNotifySettings', () => ({ _: 'reactionsNotifySettings', sound: { _: 'notificationSoundDefault' }, showPreviews: true }));

  // Themes: Echo has no cloud themes and no chat themes.
  const themes = cached64('themes', (hash) => ({ _: 'account.themes', hash, themes: [] }), { _: 'account.themesNotModified' });
  const chatThemes = cached64('chat-themes', (hash) => ({ _: 'account.themes', hash, themes: [] }), { _: 'account.themesNotModified' });
  rpc.registerUntyped('account.getThemes', (req: { hash: bigint }) => themes.answer(req.hash));
  rpc.registerUntyped('account.getChatThemes', (req: { hash: bigint }) => chatThemes.answer(req.hash));
  rpc.registerUntyped('account.getTheme', () => {
    throw RpcError.badRequest('THEME_INVALID');
  });

  // Custom emoji lists: with no custom emoji (see stickers.ts) each is empty.
  const emojiList = (list: string) => cached64(list, (hash) => ({ _: 'emojiList', hash, documentId: [] }), { _: 'emojiListNotModified' });
  for (const [method, list] of [
    ['account.getDefaultProfilePhotoEmojis', 'profile-photo-emojis'],
    ['account.getDefaultGroupPhotoEmojis', 'group-photo-emojis'],
    ['account.getDefaultBackgroundEmojis', 'background-emojis'],
    ['account.getChannelRestrictedStatusEmojis', 'channel-restricted-status-emojis'],
  ] as const) {
    const c = emojiList(list);
    rpc.registerUntyped(method, (req: { hash: bigint }) => c.answer(req.hash));
  }
  const emojiStatuses = (list: string) => cached64(list, (hash) => ({ _: 'account.emojiStatuses', hash, statuses: [] }), { _: 'account.emojiStatusesNotModified' });
  for (const [method, list] of [
    ['account.getDefaultEmojiStatuses', 'default-emoji-statuses'],
    ['account.getRecentEmojiStatuses', 'recent-emoji-statuses'],
    ['account.getChannelDefaultEmojiStatuses', 'channel-default-emoji-statuses'],
    ['account.getCollectibleEmojiStatuses', 'collectible-emoji-statuses'],
  ] as const) {
    const c = emojiStatuses(list);
    rpc.registerUntyped(method, (req: { hash: bigint }) => c.answer(req.hash));
  }

  const wallPapers = cached64('wallpapers', (hash) => ({ _: 'account.wallPapers', hash, wallpapers: [] }), { _: 'account.wallPapersNotModified' });
  rpc.registerUntyped('account.getWallPapers', (req: { hash: bigint }) => wallPapers.answer(req.hash));
  const ringtones = cached64('ringtones', (hash) => ({ _: 'account.savedRingtones', hash, ringtones: [] }), { _: 'account.savedRingtonesNotModified' });
  rpc.registerUntyped('account.getSavedRingtones', (req: { hash: bigint }) => ringtones.answer(req.hash));

  rpc.registerUntyped('account.getAutoDownloadSettings', () => AUTO_DOWNLOAD_PRESETS);
  // Nothing is configured to be saved to the gallery automatically.
  rpc.registerUntyped('account.getAutoSaveSettings', () => ({
    _: 'account.autoSaveSettings',
    usersSettings: { _: 'autoSaveSettings' },
    chatsSettings: { _: 'autoSaveSettings' },
    broadcastsSettings: { _: 'autoSaveSettings' },
    exceptions: [],
    chats: [],
    users: [],
  }));

  // Echo has no bot login widget, so no website holds a login.
  rpc.registerUntyped('account.getWebAuthorizations', () => ({ _: 'account.webAuthorizations', authorizations: [], users: [] }));
  // Passkey sign-in does not exist here.
  rpc.registerUntyped('account.getPasskeys', () => ({ _: 'account.passkeys', passkeys: [] }));
}
