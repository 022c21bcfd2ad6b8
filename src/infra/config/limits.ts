// The limits block of the configuration, gathered into one object for the gateway, the session layer and
// the RPC flood limits. Times are milliseconds here (seconds in the file and the environment).
import type { FieldName } from './fields.js';

export interface LimitsConfig {
  /** Open connections (TCP and HTTP/WebSocket sockets) per remote address, and in all. */
  connectionsPerAddress: number;
  connections: number;
  /** From accept to the first complete transport frame; trickled bytes do not extend it. */
  firstFrameMs: number;
  /** From accept until the connection carries an auth key (handshake done, or an encrypted packet with a known key). */
  handshakeMs: number;
  /** Silence allowed before the connection has a signed-in session, and after. */
  unauthorizedIdleMs: number;
  idleMs: number;
  /** Outgoing bytes buffered: above `outboundHigh` reading stops and must drain within `drainMs`; above `outboundMax` the connection closes. */
  outboundHigh: number;
  outboundMax: number;
  drainMs: number;
  sessionsPerAuthKey: number;
  /** Sessions without a connection are forgotten after this long. */
  sessionIdleMs: number;
  /** Auth keys created per client address per hour; null = unlimited. */
  authKeysPerAddressPerHour: number | null;
  /** Per-group overrides of the RPC flood table; null = RPC flood limits off; {} = the table's defaults. */
  rpcRates: Record<string, { burst: number; perSecond: number }> | null;
}

export function limitsFrom(get: (name: FieldName) => unknown, isSet: (name: FieldName) => boolean): LimitsConfig {
  const ms = (name: FieldName) => Math.round((get(name) as number) * 1000);
  const keys = get('authKeysPerAddressPerHour') as number;
  return {
    connectionsPerAddress: get('maxConnectionsPerAddress') as number,
    connections: get('maxConnections') as number,
    firstFrameMs: ms('firstFrameTimeout'),
    handshakeMs: ms('handshakeTimeout'),
    unauthorizedIdleMs: ms('unauthorizedIdleTimeout'),
    idleMs: ms('idleTimeout'),
    outboundHigh: get('outboundBufferHigh') as number,
    outboundMax: Math.max(get('outboundBufferMax') as number, get('outboundBufferHigh') as number),
    drainMs: ms('drainTimeout'),
    sessionsPerAuthKey: get('maxSessionsPerAuthKey') as number,
    sessionIdleMs: ms('sessionIdleTimeout'),
    authKeysPerAddressPerHour: keys === 0 ? null : keys,
    rpcRates: isSet('rpcRates') ? (get('rpcRates') as LimitsConfig['rpcRates']) : {},
  };
}
