// The server's RSA key pair, the one clients pin: created once in the data dir and reused on every start,
// because replacing it locks out every client configured with the old public key.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SERVER_KEY_FILE = 'server-key.pem';

export interface ServerKeyFile {
  privatePem: string;
  /** True when this call generated the key. */
  created: boolean;
  path: string;
}

export class ServerKeyError extends Error {
  override readonly name = 'ServerKeyError';
}

export function serverKeyPath(dataDir: string): string {
  return join(dataDir, SERVER_KEY_FILE);
}

/** Reads the key file (`<dataDir>/server-key.pem` by default), or creates it (mode 0600, its folder 0700) when it does not exist. */
export function loadOrCreateServerKey(path: string): ServerKeyFile {
  const existing = readKey(path);
  if (existing !== undefined) return { privatePem: existing, created: false, path };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const privatePem = generatePrivatePem();
  const tmp = writeTemp(path, privatePem);
  try {
    // link() fails if the file appeared meanwhile (another echod starting on the same data dir): the key that
    // got there first wins and is used by both, so they never disagree.
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = readKey(path);
    if (winner === undefined) throw err;
    return { privatePem: winner, created: false, path };
  } finally {
    unlinkSync(tmp);
  }
  return { privatePem, created: true, path };
}

/**
 * Reads a key file the operator named (ECHO_SERVER_KEY) and never creates one: every node of a DC must present
 * the same key, so a node that invented its own when the copy is missing would lock out the DC's clients.
 */
export function loadServerKey(path: string, setting: string): ServerKeyFile {
  const existing = readKey(path);
  if (existing === undefined) throw new ServerKeyError(`${setting}: the server key ${path} does not exist; create it once with \`echod keygen\` and copy the same file to every node`);
  return { privatePem: existing, created: false, path };
}

/** The configured key: the named file (must exist), or the data dir's (created on first use). */
export function configuredServerKey(config: { serverKeyFile: string; serverKeyGiven: boolean }): ServerKeyFile {
  return config.serverKeyGiven ? loadServerKey(config.serverKeyFile, 'ECHO_SERVER_KEY') : loadOrCreateServerKey(config.serverKeyFile);
}

/**
 * Replaces the key (echod keygen --force). The old file is kept next to it as `server-key.pem.<unix time>.bak`
 * so a mistaken replacement can be undone.
 */
export function replaceServerKey(path: string, now: () => number = Date.now): ServerKeyFile & { backupPath: string | null } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const old = readKey(path);
  let backupPath: string | null = null;
  if (old !== undefined) {
    backupPath = `${path}.${Math.floor(now() / 1000)}.bak`;
    const backupTmp = writeTemp(backupPath, old);
    renameSync(backupTmp, backupPath);
  }
  const privatePem = generatePrivatePem();
  // rename() swaps the file in one step: a crash leaves either the old key or the new one, never half of one.
  renameSync(writeTemp(path, privatePem), path);
  return { privatePem, created: true, path, backupPath };
}

/**
 * mtcute 0.30 indexes its keys by zero-padded hex fingerprint but looks them up unpadded, so a key whose
 * fingerprint's top nibble is 0 (one in sixteen) is never found. Such keys are skipped: a client quirk to
 * accommodate, at the cost of an occasional second key generation.
 */
function generatePrivatePem(): string {
  for (;;) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 65537,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    if (!loadRsaKey(privateKey).fingerprintHex.startsWith('0')) return privateKey;
  }
}

function writeTemp(path: string, contents: string): string {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // The mode given to open() is reduced by the umask, never widened; this makes it exact.
  chmodSync(tmp, 0o600);
  return tmp;
}

/** undefined when the file does not exist; throws ServerKeyError when it exists but is not a usable key. */
function readKey(path: string): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ServerKeyError(`cannot read the server key ${path}: ${(err as Error).message}`);
  }
  let bits: number | undefined;
  let type: string | undefined;
  try {
    const key = createPrivateKey(pem);
    type = key.asymmetricKeyType;
    bits = key.asymmetricKeyDetails?.modulusLength;
  } catch {
    throw new ServerKeyError(`${path} is not a PEM private key; move it away to create a new one, or restore a backup`);
  }
  // MTProto's encrypted_data is exactly 256 bytes, so only a 2048-bit RSA key works.
  if (type !== 'rsa' || bits !== 2048) throw new ServerKeyError(`${path} must be a 2048-bit RSA private key, found ${type} ${bits ?? '?'} bits`);
  return pem;
}
