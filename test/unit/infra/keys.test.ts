import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateServerKey, replaceServerKey, serverKeyPath, ServerKeyError } from '../../../src/infra/keys.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-keys-'));
  dirs.push(dir);
  return dir;
}

test('first call creates a 2048-bit RSA key, file 0600 in a new 0700 data dir; later calls reuse it', () => {
  const dataDir = join(tempDir(), 'data');
  const first = loadOrCreateServerKey(serverKeyPath(dataDir));
  assert.equal(first.created, true);
  assert.equal(first.path, join(dataDir, 'server-key.pem'));
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  assert.equal(statSync(first.path).mode & 0o777, 0o600);
  assert.equal(readFileSync(first.path, 'utf8'), first.privatePem);
  const key = createPrivateKey(first.privatePem);
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);

  const second = loadOrCreateServerKey(serverKeyPath(dataDir));
  assert.equal(second.created, false);
  assert.equal(second.privatePem, first.privatePem);
  assert.deepEqual(readdirSync(dataDir), ['server-key.pem'], 'no temporary files left behind');
});

test('an existing data dir keeps its mode', () => {
  const dataDir = tempDir();
  const before = statSync(dataDir).mode & 0o777;
  loadOrCreateServerKey(serverKeyPath(dataDir));
  assert.equal(statSync(dataDir).mode & 0o777, before);
});

test('a key file that is not a PEM key is an error, not silently replaced', () => {
  const dataDir = tempDir();
  writeFileSync(join(dataDir, 'server-key.pem'), 'garbage');
  assert.throws(() => loadOrCreateServerKey(serverKeyPath(dataDir)), (err: Error) => err instanceof ServerKeyError && /not a PEM private key/.test(err.message));
  assert.equal(readFileSync(join(dataDir, 'server-key.pem'), 'utf8'), 'garbage');
});

test('a key of the wrong size or type is refused', () => {
  const small = tempDir();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  writeFileSync(join(small, 'server-key.pem'), privateKey);
  assert.throws(() => loadOrCreateServerKey(serverKeyPath(small)), /must be a 2048-bit RSA private key, found rsa 1024 bits/);

  const ec = tempDir();
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  writeFileSync(join(ec, 'server-key.pem'), pair.privateKey);
  assert.throws(() => loadOrCreateServerKey(serverKeyPath(ec)), /must be a 2048-bit RSA private key, found ec/);
});

test('a data dir that cannot be created is an error', () => {
  const parent = tempDir();
  writeFileSync(join(parent, 'file'), '');
  assert.throws(() => loadOrCreateServerKey(serverKeyPath(join(parent, 'file', 'data'))));
});

test('replaceServerKey writes a new key and keeps the old one as a 0600 backup', () => {
  const dataDir = tempDir();
  const old = loadOrCreateServerKey(serverKeyPath(dataDir));
  const replaced = replaceServerKey(serverKeyPath(dataDir), () => 1_700_000_000_500);
  assert.notEqual(replaced.privatePem, old.privatePem);
  assert.equal(replaced.backupPath, join(dataDir, 'server-key.pem.1700000000.bak'));
  assert.equal(readFileSync(replaced.backupPath!, 'utf8'), old.privatePem);
  assert.equal(statSync(replaced.backupPath!).mode & 0o777, 0o600);
  assert.equal(statSync(replaced.path).mode & 0o777, 0o600);
  assert.equal(loadOrCreateServerKey(serverKeyPath(dataDir)).privatePem, replaced.privatePem);
  assert.deepEqual(readdirSync(dataDir).sort(), ['server-key.pem', 'server-key.pem.1700000000.bak']);
});

test('replaceServerKey on an empty data dir just creates the key', () => {
  const dataDir = join(tempDir(), 'fresh');
  mkdirSync(dataDir);
  const replaced = replaceServerKey(serverKeyPath(dataDir));
  assert.equal(replaced.backupPath, null);
  assert.equal(loadOrCreateServerKey(serverKeyPath(dataDir)).privatePem, replaced.privatePem);
});
