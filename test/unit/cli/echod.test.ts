import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { EventEmitter } from 'node:events';
import { NodeCryptoProvider, parsePublicKey } from '@mtcute/node/utils.js';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/io.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/echod.js');
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'echo-cli-'));
  dirs.push(dir);
  return dir;
}

/** Runs echod in a child process from an empty working directory (so no etc/echod.yaml is picked up). */
function run(args: string[], env: Record<string, string>) {
  const cwd = tempDir();
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An in-process CliIo that records output. */
function fakeIo(env: Record<string, string>, answers: string[] = [], interactive = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    env,
    cwd: tempDir(),
    interactive,
    ask: async () => answers.shift() ?? '',
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

/** MTProto fingerprint computed here from scratch: SHA1 of TL bytes n, e; low 8 bytes as little-endian int64. */
function expectedFingerprint(publicPem: string): bigint {
  const jwk = createPublicKey(publicPem).export({ format: 'jwk' });
  const tlBytes = (b: Buffer) => {
    const head = b.length < 254 ? Buffer.from([b.length]) : Buffer.from([254, b.length & 0xff, (b.length >> 8) & 0xff, 0]);
    const body = Buffer.concat([head, b]);
    return Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  };
  const digest = createHash('sha1')
    .update(Buffer.concat([tlBytes(Buffer.from(jwk.n!, 'base64url')), tlBytes(Buffer.from(jwk.e!, 'base64url'))]))
    .digest();
  return digest.readBigInt64LE(12);
}

test('client-config --json prints one JSON object whose fingerprint matches the key in the data dir', () => {
  const dataDir = join(tempDir(), 'data');
  const env = { ECHO_DATA_DIR: dataDir, ECHO_HOST: '192.0.2.7', ECHO_TCP_PORTS: '12345,5222', ECHO_DC_ID: '3' };
  const first = run(['client-config', '--json'], env);
  assert.equal(first.status, 0, first.stderr);
  const lines = first.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, 'exactly one line of JSON on stdout');
  const c = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(c).sort(), ['dcId', 'fingerprint', 'fingerprintHex', 'host', 'port', 'publicKey']);
  assert.equal(c.dcId, 3);
  assert.equal(c.host, '192.0.2.7');
  assert.equal(c.port, 12345);
  assert.match(String(c.publicKey), /^-----BEGIN RSA PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END RSA PUBLIC KEY-----\n$/);

  // The public key printed is the public half of the private key file.
  const privatePem = readFileSync(join(dataDir, 'server-key.pem'), 'utf8');
  const derived = createPublicKey(privatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.equal(String(c.publicKey).trim(), derived.trim());

  const fp = expectedFingerprint(derived);
  assert.equal(c.fingerprint, fp.toString());
  assert.equal(c.fingerprintHex, BigInt.asUintN(64, fp).toString(16).padStart(16, '0'));
  // mtcute, a real client, computes the same fingerprint from the PEM.
  assert.equal(parsePublicKey(new NodeCryptoProvider(), String(c.publicKey)).fingerprint, c.fingerprintHex);
  assert.match(first.stderr, /created server key/);

  // A second run reuses the key.
  const second = run(['client-config', '--json'], env);
  assert.equal(second.status, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as { fingerprint: string }).fingerprint, c.fingerprint);
  assert.equal(second.stderr, '');
});

test('client-config for a person shows the key and the client snippets', async () => {
  const dataDir = join(tempDir(), 'data');
  const { io, out } = fakeIo({ ECHO_DATA_DIR: dataDir, ECHO_HOST: '10.1.2.3' });
  assert.equal(await main(['client-config'], io), 0);
  const text = out();
  const key = readFileSync(join(dataDir, 'server-key.pem'), 'utf8');
  const fp = expectedFingerprint(createPublicKey(key).export({ type: 'pkcs1', format: 'pem' }).toString());
  const hex = BigInt.asUintN(64, fp).toString(16).padStart(16, '0');
  for (const needle of [
    'address          10.1.2.3:10443 (also 5222)',
    `_serverKeys.set('${fp}'`,
    "session.setDC(2, '10.1.2.3', 10443)",
    "super({ ...opts, ip: '10.1.2.3', port: 10443 })",
    'addPublicKey(new NodeCryptoProvider()',
    "client.session.set_dc(2, '10.1.2.3', 10443)",
    'rsa.add_key(',
    `rsa.server_public_keys[${fp}] = rsa.PublicKey(m=int(`,
    "return await super().server_address(value if value is object else '10.1.2.3')",
    'return await super().port(value if value is object else 10443)',
    'storage_engine=EchoStorage(',
    'datacenter->addAddressAndPort("10.1.2.3", 10443, 0, "");',
    `serverPublicKeysFingerprints.push_back(0x${hex});`,
    '-----BEGIN RSA PUBLIC KEY-----',
  ])
    assert.ok(text.includes(needle), `missing: ${needle}`);
});

test('start prints where it listens, logs "echod ready", and exits 0 on SIGTERM', { timeout: 30_000 }, async () => {
  const dataDir = join(tempDir(), 'data');
  const child = spawn(process.execPath, [cli, 'start'], {
    cwd: tempDir(),
    env: {
      PATH: process.env.PATH ?? '',
      ECHO_DATA_DIR: dataDir,
      ECHO_TCP_PORTS: '0',
      ECHO_HTTP_PORT: '0',
      ECHO_ADMIN_LISTEN: '127.0.0.1:0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const human: string[] = [];
  let ready: Record<string, unknown> | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('{')) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'echod ready') {
        ready = entry;
        break;
      }
    } else human.push(line);
  }
  assert.ok(ready, `no "echod ready" line; stderr: ${stderr}`);
  assert.ok(Array.isArray(ready.tcpPorts) && ready.tcpPorts.length === 1 && typeof ready.tcpPorts[0] === 'number');
  assert.equal(typeof ready.httpPort, 'number');
  assert.equal(ready.level, 'info');
  const text = human.join('\n');
  assert.ok(text.includes(dataDir), text);
  assert.match(text, /fingerprint +-?\d+ \(hex 0x[0-9a-f]{16}\)/);
  assert.match(text, /MTProto TCP +127\.0\.0\.1:\d+/);
  assert.ok(existsSync(join(dataDir, 'server-key.pem')));
  assert.ok(existsSync(join(dataDir, 'echo.db')));

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

test('start: a SIGTERM that comes while the server is starting stops it cleanly once started', { timeout: 30_000 }, async () => {
  const dataDir = join(tempDir(), 'data');
  const { io, out } = fakeIo({
    ECHO_DATA_DIR: dataDir,
    ECHO_TCP_PORTS: '0',
    ECHO_HTTP_PORT: '0',
    ECHO_ADMIN_LISTEN: '127.0.0.1:0',
    ECHO_LOG_LEVEL: 'silent',
  });
  const signals = new EventEmitter();
  const exit = main(['start'], io, signals);
  // main is still opening the database: the signal must be taken, not lost (nor left to the default action).
  assert.equal(signals.listenerCount('SIGTERM'), 1);
  signals.emit('SIGTERM');
  assert.equal(await exit, 0);
  assert.match(out(), /^echod is running/);
  assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
  assert.equal(existsSync(join(dataDir, 'echod.pid')), false, 'the data dir is released');
});

test('start with a wrong setting exits non-zero with one line naming the key', () => {
  const r = run(['start'], { ECHO_DATA_DIR: join(tempDir(), 'data'), ECHO_HTTP_PORT: 'abc' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'echod: ECHO_HTTP_PORT: expected a port number 0-65535, got "abc"\n');
  assert.equal(r.stdout, '');
});

test('start with KAFKA_BROKERS unreachable exits non-zero with one line naming Kafka, creating nothing', async () => {
  const dataDir = join(tempDir(), 'data');
  const { io, err } = fakeIo({ ECHO_DATA_DIR: dataDir, KAFKA_BROKERS: '127.0.0.1:1' });
  assert.equal(await main(['start'], io), 1);
  assert.match(err(), /^echod: Kafka at 127\.0\.0\.1:1: cannot connect \(.*ECONNREFUSED.*\)\n$/);
  assert.equal(existsSync(dataDir), false, 'nothing is created');
});

test('start with a Redis that cannot be reached exits non-zero with one line naming it, before creating anything', async () => {
  const dataDir = join(tempDir(), 'data');
  const { io, err } = fakeIo({ ECHO_DATA_DIR: dataDir, REDIS_HOST: '127.0.0.1:1' });
  assert.equal(await main(['start'], io), 1);
  assert.match(err(), /^echod: Redis at 127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
  assert.equal(existsSync(dataDir), false, 'nothing is created');
});

test('start with an unusable key file exits non-zero with one line', async () => {
  const dataDir = tempDir();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dataDir, 'server-key.pem'), 'not a key');
  const { io, err } = fakeIo({ ECHO_DATA_DIR: dataDir });
  assert.equal(await main(['start'], io), 1);
  assert.match(err(), /^echod: .*server-key\.pem is not a PEM private key.*\n$/);
});

test('keygen creates the key once and prints its fingerprint', async () => {
  const dataDir = join(tempDir(), 'data');
  const a = fakeIo({ ECHO_DATA_DIR: dataDir });
  assert.equal(await main(['keygen'], a.io), 0);
  assert.match(a.out(), /^created server key .*server-key\.pem\nfingerprint -?\d+ \(hex 0x[0-9a-f]{16}\)\n$/);
  const pem = readFileSync(join(dataDir, 'server-key.pem'), 'utf8');

  const b = fakeIo({ ECHO_DATA_DIR: dataDir });
  assert.equal(await main(['keygen'], b.io), 0);
  assert.match(b.out(), /^kept the existing server key/);
  assert.equal(readFileSync(join(dataDir, 'server-key.pem'), 'utf8'), pem);
  const fp = expectedFingerprint(createPublicKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString());
  assert.ok(b.out().includes(`fingerprint ${fp} `));
});

test('keygen --force needs confirmation: --yes without a terminal, "yes" typed with one', async () => {
  const dataDir = join(tempDir(), 'data');
  assert.equal(await main(['keygen'], fakeIo({ ECHO_DATA_DIR: dataDir }).io), 0);
  const original = readFileSync(join(dataDir, 'server-key.pem'), 'utf8');

  const noTty = fakeIo({ ECHO_DATA_DIR: dataDir });
  assert.equal(await main(['keygen', '--force'], noTty.io), 1);
  assert.match(noTty.err(), /refusing to replace the server key in .* without confirmation: add --yes\n$/);
  assert.ok(noTty.err().includes(`data dir ${dataDir}`));

  const declined = fakeIo({ ECHO_DATA_DIR: dataDir }, ['no'], true);
  assert.equal(await main(['keygen', '--force'], declined.io), 1);
  assert.equal(readFileSync(join(dataDir, 'server-key.pem'), 'utf8'), original);

  const accepted = fakeIo({ ECHO_DATA_DIR: dataDir }, ['yes'], true);
  assert.equal(await main(['keygen', '--force'], accepted.io), 0);
  const replaced = readFileSync(join(dataDir, 'server-key.pem'), 'utf8');
  assert.notEqual(replaced, original);
  assert.match(accepted.out(), /^replaced server key .* \(old key saved as .*\.bak\)\n/);

  const scripted = fakeIo({ ECHO_DATA_DIR: dataDir });
  assert.equal(await main(['keygen', '--force', '--yes'], scripted.io), 0);
  assert.notEqual(readFileSync(join(dataDir, 'server-key.pem'), 'utf8'), replaced);
  const backups = readdirSync(dataDir).filter((f) => f.endsWith('.bak'));
  assert.ok(backups.length >= 1);
});

test('help and no command print the usage', async () => {
  for (const argv of [['help'], [], ['--help'], ['start', '-h']]) {
    const { io, out } = fakeIo({});
    assert.equal(await main(argv, io), 0);
    assert.match(out(), /^Usage: echod <command>/);
    assert.match(out(), /client-config \[--json\]/);
  }
});

test('usage mistakes exit 2 with one line', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^echod: unknown command "frobnicate"; try `echod help`\n$/],
    [['client-config', '--force'], /^echod: --force does not apply to client-config\n$/],
    [['start', '--json'], /^echod: --json does not apply to start\n$/],
    [['keygen', '--yes'], /^echod: --yes only goes with --force\n$/],
    [['keygen', 'extra'], /^echod: unexpected argument "extra" after keygen\n$/],
    [['client-config', '--jsn'], /^echod: Unknown option '--jsn'.*\n$/],
  ];
  for (const [argv, expected] of cases) {
    const { io, err } = fakeIo({});
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(err(), expected);
  }
});

test('the bin wrapper runs the compiled CLI', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/echod.js'), 'help'], { encoding: 'utf8', cwd: tempDir() });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: echod/);
});

test('ECHO_SERVER_KEY: keygen creates the named file; nodes with different data dirs present that one key', async () => {
  const shared = join(tempDir(), 'keys', 'dc2.pem');
  const made = fakeIo({ ECHO_DATA_DIR: join(tempDir(), 'a'), ECHO_SERVER_KEY: shared });
  assert.equal(await main(['keygen'], made.io), 0);
  assert.match(made.out(), new RegExp(`^created server key ${shared.replace(/[.\\/]/g, '\\$&')}\\n`));
  const pem = readFileSync(shared, 'utf8');
  const configs: string[] = [];
  for (const dataDir of [join(tempDir(), 'node1'), join(tempDir(), 'node2')]) {
    const { io, out } = fakeIo({ ECHO_DATA_DIR: dataDir, ECHO_SERVER_KEY: shared });
    assert.equal(await main(['client-config', '--json'], io), 0);
    configs.push(JSON.parse(out()).publicKey);
    assert.equal(existsSync(join(dataDir, 'server-key.pem')), false, 'no key of its own in the data dir');
  }
  assert.equal(configs[0], configs[1]);
  assert.equal(configs[0]!.trim(), createPublicKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString().trim());
});

test('ECHO_SERVER_KEY naming a missing file: start and client-config refuse with one line, creating no key', async () => {
  const dataDir = join(tempDir(), 'data');
  const missing = join(tempDir(), 'nowhere.pem');
  for (const command of ['start', 'client-config']) {
    const { io, err } = fakeIo({ ECHO_DATA_DIR: dataDir, ECHO_SERVER_KEY: missing });
    assert.equal(await main([command], io), 1);
    assert.match(err(), /^echod: ECHO_SERVER_KEY: the server key .*nowhere\.pem does not exist; create it once with `echod keygen`.*\n$/);
    assert.equal(existsSync(missing), false);
    assert.equal(existsSync(join(dataDir, 'server-key.pem')), false);
  }
});

test('ECHO_SERVER_KEY naming a file that is not a key: one line naming the file', async () => {
  const bad = join(tempDir(), 'bad.pem');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(bad, 'not a key');
  const { io, err } = fakeIo({ ECHO_DATA_DIR: join(tempDir(), 'data'), ECHO_SERVER_KEY: bad });
  assert.equal(await main(['start'], io), 1);
  assert.match(err(), /^echod: .*bad\.pem is not a PEM private key.*\n$/);
});
