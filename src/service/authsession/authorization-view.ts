// TL views of devices: the `authorization` objects of account.getAuthorizations and the
// updateNewAuthorization notice the user's other devices get.
import { registerLayerFallback, type Obj } from '../../tl/index.js';
import type { Device } from './device-directory.js';

// Layers before 163 have no such notice: the push fails to encode for them and is skipped (pushToUser).
registerLayerFallback('updateNewAuthorization', () => undefined);

/** lang_pack names the official apps send in initConnection; other apps send ''. */
const OFFICIAL_PACKS: Readonly<Record<string, { platform: string; app: string }>> = {
  android: { platform: 'android', app: 'Telegram Android' },
  ios: { platform: 'ios', app: 'Telegram iOS' },
  tdesktop: { platform: 'desktop', app: 'Telegram Desktop' },
  macos: { platform: 'macos', app: 'Telegram macOS' },
  webk: { platform: 'web', app: 'Telegram Web K' },
  weba: { platform: 'web', app: 'Telegram Web A' },
};

/** One line naming the device, as the official apps show it: "model, system, app version". */
export function deviceLine(device: Device): string {
  const c = device.client;
  if (!c) return 'Unknown device';
  return [c.deviceModel, c.systemVersion, c.appVersion && `app ${c.appVersion}`].filter((s) => s).join(', ') || 'Unknown device';
}

/**
 * `hash` is the perm auth key id, which identifies the device for account.resetAuthorization; it is no
 * secret (every packet of the device carries it in clear). The caller's own device is `current` with hash 0,
 * as Telegram sends it.
 */
export function authorizationOf(device: Device, current: boolean): Obj<'authorization'> {
  const c = device.client;
  const official = c ? OFFICIAL_PACKS[c.langPack] : undefined;
  return {
    _: 'authorization',
    current: current || undefined,
    hash: current ? 0n : device.permKeyId,
    deviceModel: c?.deviceModel ?? '',
    platform: official?.platform ?? '',
    systemVersion: c?.systemVersion ?? '',
    apiId: c?.apiId ?? 0,
    appName: official?.app ?? (c?.apiId ? `App ${c.apiId}` : ''),
    appVersion: c?.appVersion ?? '',
    dateCreated: device.createdAt,
    dateActive: Math.max(device.createdAt, c?.updatedAt ?? 0),
    ip: c?.ip ?? '',
    // No IP geolocation database ships with Echo.
    country: '',
    region: '',
  };
}

/** The notice pushed to a user's other devices after a new sign-in (updateNewAuthorization, no pts). */
export function newAuthorizationUpdate(device: Device, nowSeconds: number): Obj<'updateShort'> {
  return {
    _: 'updateShort',
    update: {
      _: 'updateNewAuthorization',
      unconfirmed: true,
      hash: device.permKeyId,
      date: nowSeconds,
      device: deviceLine(device),
      location: device.client?.ip || 'Unknown',
    },
    date: nowSeconds,
  };
}
