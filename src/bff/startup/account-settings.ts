// account.* calls of the start-up and settings screens: content and global privacy settings, contact
// sign-up notifications, push registration, themes, emoji lists, reaction notifications, wallpapers,
// ringtones, auto-download and auto-save presets, web logins, passkeys.
import { RpcError } from '../../common/rpc-error.js';
import type { AccountSettingsStore } from '../../service/account/settings-store.js';
import type { Obj, TlType } from '../../tl/index.js';
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
export const EFFECTIVE_GLOBAL_PRIVACY: Obj<'globalPrivacySettings'> = {
  _: 'globalPrivacySettings',
  archiveAndMuteNewNoncontactPeers: false,
  keepArchivedUnmuted: true,
  keepArchivedFolders: true,
  hideReadMarks: true,
};

/** The error a requested global privacy setting meets, or undefined when Echo's behaviour satisfies it. */
export function globalPrivacyError(settings: TlType<'GlobalPrivacySettings'>): RpcError | undefined {
  if (settings._ !== 'globalPrivacySettings') return RpcError.badRequest('SETTINGS_INVALID');
  // The app config does not advertise autoarchive_setting_available: Echo cannot auto-archive.
  if (settings.archiveAndMuteNewNoncontactPeers === true) return RpcError.badRequest('AUTOARCHIVE_NOT_AVAILABLE');
  const paidStars = settings.noncontactPeersPaidStars;
  const disallowedGifts = settings.disallowedGifts;
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
    if (typeof parsed !== 'object' || parsed === null || !('endpoint' in parsed) || typeof parsed.endpoint !== 'string' || !/^https:\/\//.test(parsed.endpoint)) {
      return RpcError.badRequest('WEBPUSH_TOKEN_INVALID');
    }
    const keys = 'keys' in parsed && typeof parsed.keys === 'object' && parsed.keys !== null ? parsed.keys : {};
    if (!('p256dh' in keys) || typeof keys.p256dh !== 'string' || keys.p256dh === '') return RpcError.badRequest('WEBPUSH_KEY_INVALID');
    if (!('auth' in keys) || typeof keys.auth !== 'string' || keys.auth === '') return RpcError.badRequest('WEBPUSH_AUTH_INVALID');
  }
  return undefined;
}

/**
 * Echo's recommended auto-download presets (low / medium / high data usage); a client picks one by the
 * network it is on. Sizes in bytes, bitrate in kbit/s.
 */
export const AUTO_DOWNLOAD_PRESETS: Obj<'account.autoDownloadSettings'> = {
  _: 'account.autoDownloadSettings',
  low: { _: 'autoDownloadSettings', phonecallsLessData: true, photoSizeMax: 1_048_576, videoSizeMax: 0n, fileSizeMax: 0n, videoUploadMaxbitrate: 50, smallQueueActiveOperationsMax: 2, largeQueueActiveOperationsMax: 1 },
  medium: { _: 'autoDownloadSettings', audioPreloadNext: true, photoSizeMax: 1_048_576, videoSizeMax: 10_485_760n, fileSizeMax: 1_048_576n, videoUploadMaxbitrate: 100, smallQueueActiveOperationsMax: 5, largeQueueActiveOperationsMax: 3 },
  high: { _: 'autoDownloadSettings', videoPreloadLarge: true, audioPreloadNext: true, storiesPreload: true, photoSizeMax: 1_048_576, videoSizeMax: 15_728_640n, fileSizeMax: 3_145_728n, videoUploadMaxbitrate: 100, smallQueueActiveOperationsMax: 10, largeQueueActiveOperationsMax: 5 },
};

export function registerAccountSettings(rpc: RpcDispatcher, settings: AccountSettingsStore): void {
  // Echo does not classify content as sensitive, so there is no filter to switch on.
  rpc.register('account.getContentSettings', () => ({ _: 'account.contentSettings' }));

  rpc.register('account.getGlobalPrivacySettings', () => EFFECTIVE_GLOBAL_PRIVACY);
  // Echo's archive and read-date behaviour is fixed: what can be satisfied answers the settings in force
  // (which the client shows); what cannot answers Telegram's error for it.
  rpc.register('account.setGlobalPrivacySettings', (req) => {
    const err = globalPrivacyError(req.settings);
    if (err) throw err;
    return EFFECTIVE_GLOBAL_PRIVACY;
  });

  // A preference synced between the user's devices: whether "contact joined" notices notify.
  rpc.register('account.getContactSignUpNotification', (_req, ctx) => settings.contactSignUpSilent(viewerOf(ctx)));
  rpc.register('account.setContactSignUpNotification', async (req, ctx) => {
    await settings.setContactSignUpSilent(viewerOf(ctx), req.silent === true);
    return true;
  });

  // The token is stored per device for a push sender; Echo itself delivers updates over MTProto only.
  rpc.register('account.registerDevice', async (req, ctx) => {
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
  rpc.register('account.unregisterDevice', async (req, ctx) => {
    if (!Number.isInteger(req.tokenType) || req.tokenType < TOKEN_TYPE_MIN || req.tokenType > TOKEN_TYPE_MAX) throw RpcError.badRequest('TOKEN_TYPE_INVALID');
    await settings.unregisterDevice(viewerOf(ctx), req.tokenType, req.token);
    return true;
  });

  // Nobody can react here, so no reaction notifies: leaving messages_notify_from / stories_notify_from
  // unset is the API's "reaction notifications off".
  rpc.register('account.getReactionsNotifySettings', () => ({ _: 'reactionsNotifySettings', sound: { _: 'notificationSoundDefault' }, showPreviews: true }));

  // Themes: Echo has no cloud themes and no chat themes.
  const themes = cached64<TlType<'account.Themes'>>('themes', (hash) => ({ _: 'account.themes', hash, themes: [] }), { _: 'account.themesNotModified' });
  const chatThemes = cached64<TlType<'account.Themes'>>('chat-themes', (hash) => ({ _: 'account.themes', hash, themes: [] }), { _: 'account.themesNotModified' });
  rpc.register('account.getThemes', (req) => themes.answer(req.hash));
  rpc.register('account.getChatThemes', (req) => chatThemes.answer(req.hash));
  rpc.register('account.getTheme', () => {
    throw RpcError.badRequest('THEME_INVALID');
  });

  // Custom emoji lists: with no custom emoji (see stickers.ts) each is empty.
  const emojiList = (list: string) => cached64<TlType<'EmojiList'>>(list, (hash) => ({ _: 'emojiList', hash, documentId: [] }), { _: 'emojiListNotModified' });
  for (const [method, list] of [
    ['account.getDefaultProfilePhotoEmojis', 'profile-photo-emojis'],
    ['account.getDefaultGroupPhotoEmojis', 'group-photo-emojis'],
    ['account.getDefaultBackgroundEmojis', 'background-emojis'],
    ['account.getChannelRestrictedStatusEmojis', 'channel-restricted-status-emojis'],
  ] as const) {
    const c = emojiList(list);
    rpc.register(method, (req) => c.answer(req.hash));
  }
  const emojiStatuses = (list: string) => cached64<TlType<'account.EmojiStatuses'>>(list, (hash) => ({ _: 'account.emojiStatuses', hash, statuses: [] }), { _: 'account.emojiStatusesNotModified' });
  for (const [method, list] of [
    ['account.getDefaultEmojiStatuses', 'default-emoji-statuses'],
    ['account.getRecentEmojiStatuses', 'recent-emoji-statuses'],
    ['account.getChannelDefaultEmojiStatuses', 'channel-default-emoji-statuses'],
    ['account.getCollectibleEmojiStatuses', 'collectible-emoji-statuses'],
  ] as const) {
    const c = emojiStatuses(list);
    rpc.register(method, (req) => c.answer(req.hash));
  }

  const wallPapers = cached64<TlType<'account.WallPapers'>>('wallpapers', (hash) => ({ _: 'account.wallPapers', hash, wallpapers: [] }), { _: 'account.wallPapersNotModified' });
  rpc.register('account.getWallPapers', (req) => wallPapers.answer(req.hash));
  const ringtones = cached64<TlType<'account.SavedRingtones'>>('ringtones', (hash) => ({ _: 'account.savedRingtones', hash, ringtones: [] }), { _: 'account.savedRingtonesNotModified' });
  rpc.register('account.getSavedRingtones', (req) => ringtones.answer(req.hash));

  rpc.register('account.getAutoDownloadSettings', () => AUTO_DOWNLOAD_PRESETS);
  // Nothing is configured to be saved to the gallery automatically.
  rpc.register('account.getAutoSaveSettings', () => ({
    _: 'account.autoSaveSettings',
    usersSettings: { _: 'autoSaveSettings' },
    chatsSettings: { _: 'autoSaveSettings' },
    broadcastsSettings: { _: 'autoSaveSettings' },
    exceptions: [],
    chats: [],
    users: [],
  }));

  // Echo has no bot login widget, so no website holds a login.
  rpc.register('account.getWebAuthorizations', () => ({ _: 'account.webAuthorizations', authorizations: [], users: [] }));
  // Passkey sign-in does not exist here.
  rpc.register('account.getPasskeys', () => ({ _: 'account.passkeys', passkeys: [] }));
}
