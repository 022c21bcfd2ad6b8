// What a client needs to reach this server: address, DC id and the public RSA key with its fingerprints.
import type { EchoConfig } from '../infra/config/index.js';
import type { ServerRsaKey } from '../mtproto/crypto/rsa.js';

export interface ClientConfig {
  dcId: number;
  host: string;
  port: number;
  /** PKCS#1 PEM ("BEGIN RSA PUBLIC KEY"). */
  publicKey: string;
  /** Signed 64-bit decimal, as GramJS, Telethon and Pyrogram key their tables. */
  fingerprint: string;
  /** Unsigned, 16 hex digits without 0x, as Android's Handshake.cpp and mtcute list it. */
  fingerprintHex: string;
}

export function clientConfig(config: EchoConfig, key: ServerRsaKey): ClientConfig {
  return {
    dcId: config.dcId,
    host: config.host,
    port: config.tcpPorts[0]!,
    publicKey: key.publicPem.trim() + '\n',
    fingerprint: key.fingerprint.toString(),
    fingerprintHex: key.fingerprintHex,
  };
}
