// `echod keygen [--force] [--yes]`: make sure the server key exists and show its fingerprint.
import { existsSync } from 'node:fs';
import { loadConfig } from '../infra/config/index.js';
import { loadOrCreateServerKey, replaceServerKey } from '../infra/keys.js';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { CliError, type CliIo } from './io.js';

export async function keygenCommand(io: CliIo, opts: { force: boolean; yes: boolean }): Promise<number> {
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  // keygen is how the file ECHO_SERVER_KEY names is made, so here a missing key is created wherever it is named.
  const path = config.serverKeyFile;

  if (!opts.force || !existsSync(path)) {
    const file = loadOrCreateServerKey(path);
    const key = loadRsaKey(file.privatePem);
    io.out(`${file.created ? 'created' : 'kept the existing'} server key ${file.path}\n`);
    io.out(`fingerprint ${key.fingerprint} (hex 0x${key.fingerprintHex})\n`);
    if (!file.created) io.out('use --force to replace it\n');
    return 0;
  }

  // Replacing the key locks out every client configured with the old one, so the operator must see which
  // data dir is affected and agree.
  const old = loadRsaKey(loadOrCreateServerKey(path).privatePem);
  io.err(`data dir ${config.dataDir}\ncurrent key ${path}, fingerprint ${old.fingerprint} (hex 0x${old.fingerprintHex})\n`);
  if (!opts.yes) {
    if (!io.interactive) throw new CliError(`refusing to replace the server key in ${config.dataDir} without confirmation: add --yes`);
    const answer = await io.ask(`Replace the server key in ${config.dataDir}? Clients that pinned the old key will fail their next handshake. Type "yes": `);
    if (answer.trim().toLowerCase() !== 'yes') {
      io.err('key kept\n');
      return 1;
    }
  }
  const file = replaceServerKey(path);
  const key = loadRsaKey(file.privatePem);
  io.out(`replaced server key ${file.path}${file.backupPath ? ` (old key saved as ${file.backupPath})` : ''}\n`);
  io.out(`fingerprint ${key.fingerprint} (hex 0x${key.fingerprintHex})\n`);
  io.out('restart echod and give clients the new key (`echod client-config`)\n');
  return 0;
}
