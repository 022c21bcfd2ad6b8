// The help.* calls a client makes after sign-in besides the configuration (help.ts): promotions, invite
// text, color palettes, premium, support, time zones. Each answers what Echo really has.
import { RpcError } from '../../common/rpc-error.js';
import { SERVICE_USER_ID, SERVICE_USER_PHONE } from '../../service/authsession/service-account.js';
import type { TlType } from '../../tl/index.js';
import type { RpcContext } from '../context.js';
import { viewerOf } from '../peers.js';
import type { RpcDispatcher } from '../registry.js';
import type { AppServices } from '../services.js';
import { resolvePeer } from '../messages-dialogs.js';
import { cached32 } from './cache-hash.js';
import { TimezoneList } from './timezones.js';

/** How long a client may wait before asking for promotions again. */
const PROMO_RECHECK_SECONDS = 3600;

/** The accent palettes every client has built in (red, orange, violet, green, cyan, blue, pink). */
const BUILT_IN_ACCENT_COLORS = 7;

export function inviteText(host: string): string {
  return `Let's talk on Echo, a messenger that works with Telegram apps: connect your app to the Echo server at ${host} and sign up with your phone number.`;
}

export function registerHelpExtra(rpc: RpcDispatcher, services: AppServices): void {
  const seconds = (ctx: RpcContext) => Math.floor(ctx.now() / 1000);

  // Echo runs no proxy sponsorship, public service announcements or pending suggestions.
  rpc.register('help.getPromoData', (_req, ctx) => ({ _: 'help.promoDataEmpty', expires: seconds(ctx) + PROMO_RECHECK_SECONDS }));

  // No suggestion is ever pending here (see getPromoData), so a dismissed one stays dismissed trivially;
  // the peer, when given, must still be one the caller can name.
  rpc.register('help.dismissSuggestion', async (req, ctx) => {
    viewerOf(ctx);
    if (req.peer._ !== 'inputPeerEmpty') await resolvePeer(services, ctx, req.peer);
    return true;
  });

  rpc.register('help.getInviteText', () => ({ _: 'help.inviteText', message: inviteText(services.core.identity.host) }));

  // Palettes 0-6 carry no colors: the API defines them as the clients' built-in ones
  // (core.telegram.org/api/colors). Echo adds none, and defines no profile-page palettes at all.
  const accentColors = cached32<TlType<'help.PeerColors'>>(
    'peer-colors',
    (hash) => ({ _: 'help.peerColors', hash, colors: Array.from({ length: BUILT_IN_ACCENT_COLORS }, (_, colorId) => ({ _: 'help.peerColorOption', colorId })) }),
    { _: 'help.peerColorsNotModified' },
  );
  const profileColors = cached32<TlType<'help.PeerColors'>>('peer-profile-colors', (hash) => ({ _: 'help.peerColors', hash, colors: [] }), { _: 'help.peerColorsNotModified' });
  rpc.register('help.getPeerColors', (req) => accentColors.answer(req.hash));
  rpc.register('help.getPeerProfileColors', (req) => profileColors.answer(req.hash));

  // Echo has no premium subscription: the promo says so and offers no periods to buy.
  rpc.register('help.getPremiumPromo', () => ({
    _: 'help.premiumPromo',
    statusText: 'Echo has no premium subscription: every feature it supports is available to everyone.',
    statusEntities: [],
    videoSections: [],
    videos: [],
    periodOptions: [],
    users: [],
  }));

  // t.me referral links are not tracked here.
  rpc.register('help.getRecentMeUrls', () => ({ _: 'help.recentMeUrls', urls: [], chats: [], users: [] }));

  // The service account is Echo's support user (user.support is set on it); messages to it stay in its
  // box for the operators.
  rpc.register('help.getSupport', async (_req, ctx) => {
    const user = await services.userViews.one(viewerOf(ctx), SERVICE_USER_ID);
    if (!user) throw RpcError.internal('SUPPORT_USER_MISSING');
    return { _: 'help.support', phoneNumber: SERVICE_USER_PHONE, user };
  });

  // Layers before 169 ask what changed since their last version: Echo publishes no changelog.
  rpc.register('help.getAppChangelog', (_req, ctx) => ({ _: 'updates', updates: [], users: [], chats: [], date: seconds(ctx), seq: 0 }));

  const timezones = new TimezoneList();
  rpc.register('help.getTimezonesList', (req, ctx) => timezones.at(ctx.now()).answer(req.hash));
}
