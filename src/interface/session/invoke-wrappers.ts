// The invoke* wrappers around an API call (core.telegram.org/api/invoking): each says something about
// the connection or the order of calls, then carries the real query inside. Unwrapping them yields the
// query the handler runs.
import type { TlObject } from '../../tl/index.js';
import type { ClientInfo } from '../../infra/db/auth-key-store.js';

/** What the wrappers ask of the session they arrive on. */
export interface WrapperEffects {
  /** invokeWithLayer: the layer results are encoded for from now on. */
  setLayer(layer: number): void;
  /** initConnection: what the client says about itself (layer included). */
  clientInfo(info: Omit<ClientInfo, 'ip' | 'updatedAt'>): void;
  /** invokeAfterMsg(s): resolves when those earlier requests of the session have finished. */
  after(msgIds: readonly bigint[]): Promise<void>;
  /** invokeWithoutUpdates: this session wants no pushed updates. */
  noUpdates(): void;
}

/** The innermost query, after applying every wrapper's effect in order. */
export async function unwrapInvoke(request: TlObject, layer: number, effects: WrapperEffects): Promise<TlObject> {
  let query = request as TlObject & Record<string, any>;
  let currentLayer = layer;
  for (;;) {
    switch (query._) {
      case 'invokeWithLayer':
        currentLayer = query.layer as number;
        effects.setLayer(currentLayer);
        break;
      case 'initConnection':
        effects.clientInfo({
          layer: currentLayer,
          apiId: query.apiId as number,
          deviceModel: query.deviceModel as string,
          systemVersion: query.systemVersion as string,
          appVersion: query.appVersion as string,
          systemLangCode: query.systemLangCode as string,
          langPack: query.langPack as string,
          langCode: query.langCode as string,
        });
        break;
      case 'invokeAfterMsg':
        await effects.after([query.msgId as bigint]);
        break;
      case 'invokeAfterMsgs':
        await effects.after(query.msgIds as bigint[]);
        break;
      case 'invokeWithoutUpdates':
        effects.noUpdates();
        break;
      // Wrappers for features Echo does not have (takeout, business connections, integrity checks):
      // the query inside is run as it is.
      case 'invokeWithMessagesRange':
      case 'invokeWithTakeout':
      case 'invokeWithBusinessConnection':
      case 'invokeWithGooglePlayIntegrity':
      case 'invokeWithApnsSecret':
      case 'invokeWithReCaptcha':
        break;
      default:
        return query;
    }
    query = query.query;
    if (query === undefined || typeof query !== 'object') return query;
  }
}
