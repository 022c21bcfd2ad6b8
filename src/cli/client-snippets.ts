// How to point the common clients at this server. Each client hides the address and the key in a different
// place; the notes in each snippet are the traps found while testing them (see docs on clients).
import { createPublicKey } from 'node:crypto';
import type { ClientConfig } from './server-info.js';

/** The key's modulus (hex) and exponent, for clients whose key table takes numbers rather than a PEM. */
function rsaNumbers(pem: string): { modulusHex: string; exponent: number } {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return { modulusHex: Buffer.from(jwk.n!, 'base64url').toString('hex'), exponent: Number(BigInt(`0x${Buffer.from(jwk.e!, 'base64url').toString('hex')}`)) };
}

export function describeClientConfig(c: ClientConfig, otherPorts: number[]): string {
  const also = otherPorts.length ? ` (also ${otherPorts.join(', ')})` : '';
  const cLines = c.publicKey
    .trim()
    .split('\n')
    .map((line, i, all) => `${' '.repeat(i === 0 ? 0 : 35)}"${line}${i < all.length - 1 ? '\\n' : ''}"`)
    .join('\n');
  const { modulusHex, exponent } = rsaNumbers(c.publicKey);
  const modulusLines = modulusHex.match(/.{1,64}/g)!.map((part) => `      "${part}"`).join('\n');
  return `Echo server
  DC id            ${c.dcId}
  address          ${c.host}:${c.port}${also}
  fingerprint      ${c.fingerprint}  (signed decimal: GramJS, Telethon, Pyrogram)
  fingerprint hex  0x${c.fingerprintHex}  (unsigned: Android Handshake.cpp, mtcute)

Public key (save it as echo-public.pem for the snippets below):
${c.publicKey.trim()}

GramJS (npm "telegram"): the port is not taken from the session, so a Connection subclass forces it.
  const fs = require('node:fs'), crypto = require('node:crypto');
  const { TelegramClient, sessions, helpers } = require('telegram');
  const { ConnectionTCPFull } = require('telegram/network');
  const { _serverKeys } = require('telegram/crypto/RSA');
  const { n } = crypto.createPublicKey(fs.readFileSync('echo-public.pem', 'utf8')).export({ format: 'jwk' });
  _serverKeys.set('${c.fingerprint}', { n: helpers.readBigIntFromBuffer(Buffer.from(n, 'base64url'), false, false), e: 65537 });
  class EchoConnection extends ConnectionTCPFull {
    constructor(opts) { super({ ...opts, ip: '${c.host}', port: ${c.port} }); }
  }
  const session = new sessions.StringSession('');
  session.setDC(${c.dcId}, '${c.host}', ${c.port});
  const client = new TelegramClient(session, API_ID, API_HASH, { connection: EchoConnection });
  // StringSession stores the port in 16 signed bits: keep it below 32768.

mtcute (npm "@mtcute/node"):
  import { readFileSync } from 'node:fs';
  import { TelegramClient } from '@mtcute/node';
  import { addPublicKey, NodeCryptoProvider } from '@mtcute/node/utils.js';
  addPublicKey(new NodeCryptoProvider(), readFileSync('echo-public.pem', 'utf8'));
  const dc = { id: ${c.dcId}, ipAddress: '${c.host}', port: ${c.port} };
  const tg = new TelegramClient({ apiId: API_ID, apiHash: API_HASH, storage: 'echo.session', defaultDcs: { main: dc, media: dc } });

Telethon (Python):
  from telethon import TelegramClient
  import telethon.crypto.rsa as rsa
  rsa.add_key(open('echo-public.pem').read(), old=False)
  client = TelegramClient('echo', API_ID, API_HASH)
  client.session.set_dc(${c.dcId}, '${c.host}', ${c.port})
  # Telethon's sign_up() refuses on purpose; a new number signs up with functions.auth.SignUpRequest.

Pyrogram family (kurigram 2.2, Python): the client writes the address of its own DC table into a new session,
so a storage subclass (a public Client option) keeps Echo's; the key goes into its fingerprint table.
  from pathlib import Path
  from pyrogram import Client
  from pyrogram.crypto import rsa
  from pyrogram.storage import SQLiteStorage
  rsa.server_public_keys[${c.fingerprint}] = rsa.PublicKey(m=int(
${modulusLines}, 16), e=${exponent})
  class EchoStorage(SQLiteStorage):
      async def server_address(self, value=object):  # object: read, anything else: a write
          return await super().server_address(value if value is object else '${c.host}')
      async def port(self, value=object):
          return await super().port(value if value is object else ${c.port})
  app = Client('echo', API_ID, API_HASH, storage_engine=EchoStorage('echo', workdir=Path('.')))
  # Pyrogram 2.0 itself has no such storage option: override pyrogram.session.internals.DataCenter instead.

Telegram Android (DrKLO/Telegram, rebuild the native part):
  TMessagesProj/jni/tgnet/ConnectionsManager.cpp, ConnectionsManager::initDatacenters():
  keep one datacenter, id ${c.dcId}, with
      datacenter->addAddressAndPort("${c.host}", ${c.port}, 0, "");
  TMessagesProj/jni/tgnet/Handshake.cpp, processHandshakeResponse_resPQ(): replace the production key with
      serverPublicKeys.emplace_back(${cLines});
      serverPublicKeysFingerprints.push_back(0x${c.fingerprintHex});
  The app also reads dc_options from help.getConfig, which Echo fills with this address.
`;
}
