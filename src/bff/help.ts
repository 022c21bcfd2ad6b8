// help.*: the configuration a client asks for before anything else (core.telegram.org/method/help.getConfig).
import { crc32 } from 'node:zlib';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import { encodeObject, type Obj, type TlObject } from '../tl/index.js';
import type { RpcDispatcher } from './registry.js';
import type { RpcContext } from './context.js';
import type { DcNodeAddress, ServerIdentity } from '../contracts/server-identity.js';

/** How long a client may cache help.getConfig before asking again. */
const CONFIG_TTL_SECONDS = 3600;

/** A non-zero 32-bit hash of a TL value, for the `hash` arguments clients echo back. */
function contentHash(obj: TlObject): number {
  return crc32(encodeObject(obj)) | 1;
}

/**
 * One dcOption per (node, TCP port), this node first: Telegram lists several addresses for one DC and clients
 * use the others when one stops answering. The same address never appears twice.
 */
function dcOptions(identity: ServerIdentity, nodes: readonly DcNodeAddress[]): Obj<'dcOption'>[] {
  const seen = new Set<string>();
  const out: Obj<'dcOption'>[] = [];
  for (const node of [{ host: identity.host, tcpPorts: identity.tcpPorts }, ...nodes]) {
    for (const port of node.tcpPorts) {
      const where = `${node.host}:${port}`;
      if (seen.has(where)) continue;
      seen.add(where);
      out.push({ _: 'dcOption', id: identity.dcId, ipAddress: node.host, port });
    }
  }
  return out;
}

function buildConfig(identity: ServerIdentity, nodes: readonly DcNodeAddress[], nowSeconds: number): Obj<'config'> {
  return {
    _: 'config',
    date: nowSeconds,
    expires: nowSeconds + CONFIG_TTL_SECONDS,
    testMode: false,
    thisDc: identity.dcId,
    dcOptions: dcOptions(identity, nodes),
    dcTxtDomainName: '',
    chatSizeMax: 200,
    megagroupSizeMax: 200000,
    forwardedCountMax: 100,
    onlineUpdatePeriodMs: 210000,
    offlineBlurTimeoutMs: 5000,
    offlineIdleTimeoutMs: 30000,
    onlineCloudTimeoutMs: 300000,
    notifyCloudDelayMs: 30000,
    notifyDefaultDelayMs: 1500,
    pushChatPeriodMs: 60000,
    pushChatLimit: 2,
    editTimeLimit: 172800,
    revokeTimeLimit: 2147483647,
    revokePmTimeLimit: 2147483647,
    ratingEDecay: 2419200,
    stickersRecentLimit: 200,
    channelsReadMediaPeriod: 604800,
    callReceiveTimeoutMs: 20000,
    callRingTimeoutMs: 90000,
    callConnectTimeoutMs: 30000,
    callPacketTimeoutMs: 10000,
    meUrlPrefix: 'https://t.me/',
    captionLengthMax: 1024,
    messageLengthMax: 4096,
    webfileDcId: identity.dcId,
  };
}

function buildCountries(): Obj<'help.country'>[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  return getCountries().map((iso2): Obj<'help.country'> => ({
    _: 'help.country',
    iso2,
    defaultName: names.of(iso2) ?? iso2,
    countryCodes: [{ _: 'help.countryCode', countryCode: getCountryCallingCode(iso2) }],
  }));
}

export function registerHelp(rpc: RpcDispatcher, identity: ServerIdentity): void {
  const seconds = (ctx: RpcContext) => Math.floor(ctx.now() / 1000);

  rpc.register('help.getConfig', async (_req, ctx) => buildConfig(identity, identity.nodes ? await identity.nodes() : [], seconds(ctx)));

  // One DC: the nearest is always this one. The country stays empty: Echo does not geolocate clients.
  rpc.register('help.getNearestDc', () => ({ _: 'nearestDc', country: '', thisDc: identity.dcId, nearestDc: identity.dcId }));

  // No server-side feature flags yet: an empty JSON object, which clients read as "all defaults".
  const appConfig: Obj<'jsonObject'> = { _: 'jsonObject', value: [] };
  const appConfigHash = contentHash(appConfig);
  rpc.register('help.getAppConfig', (req) =>
    req.hash === appConfigHash ? { _: 'help.appConfigNotModified' } : { _: 'help.appConfig', hash: appConfigHash, config: appConfig },
  );

  const countries = buildCountries();
  const countriesHash = contentHash({ _: 'help.countriesList', countries, hash: 0 } satisfies Obj<'help.countriesList'>);
  rpc.register('help.getCountriesList', (req) =>
    req.hash === countriesHash ? { _: 'help.countriesListNotModified' } : { _: 'help.countriesList', countries, hash: countriesHash },
  );

  // Echo has no terms of service of its own to push; check again in an hour.
  rpc.register('help.getTermsOfServiceUpdate', (_req, ctx) => ({ _: 'help.termsOfServiceUpdateEmpty', expires: seconds(ctx) + 3600 }));

  // No CDN DCs: every file is served by this DC.
  rpc.register('help.getCdnConfig', () => ({ _: 'cdnConfig', publicKeys: [] }));
}
