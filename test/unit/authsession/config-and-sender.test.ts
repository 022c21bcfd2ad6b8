import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, ConfigError } from '../../../src/infra/config/index.js';
import { createLogger } from '../../../src/infra/log.js';
import { LogCodeSender, WebhookCodeSender } from '../../../src/service/authsession/code-sender.js';
import { AuthSessionService } from '../../../src/service/authsession/index.js';
import { makeFixture } from './fixture.js';

function load(env: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), 'echo-authcfg-'));
  try {
    return loadConfig({ env, cwd });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

test('ECHO_FIXED_CODE must be exactly 5 digits; ECHO_CODE_WEBHOOK an http(s) URL; both optional', () => {
  const plain = load({});
  assert.equal('fixedCode' in plain, false);
  assert.equal('codeWebhook' in plain, false);
  assert.equal(load({ ECHO_FIXED_CODE: '12345' }).fixedCode, '12345');
  assert.equal(load({ ECHO_FIXED_CODE: '00000' }).fixedCode, '00000');
  for (const bad of ['1234', '123456', '12a45', '-1234', '１２３４５'])
    assert.throws(() => load({ ECHO_FIXED_CODE: bad }), (e: unknown) => e instanceof ConfigError && /ECHO_FIXED_CODE: expected exactly 5 digits/.test(e.message), bad);
  assert.equal(load({ ECHO_CODE_WEBHOOK: 'https://sms.example/send?k=1' }).codeWebhook, 'https://sms.example/send?k=1');
  for (const bad of ['sms.example/send', 'ftp://x/y', 'http://a b'])
    assert.throws(() => load({ ECHO_CODE_WEBHOOK: bad }), (e: unknown) => e instanceof ConfigError && /ECHO_CODE_WEBHOOK/.test(e.message), bad);
});

test('the log sender writes one info line "login code" with the phone and the code', async () => {
  const { lines, log } = capture();
  await new LogCodeSender(log).send({ phone: '15550100001', code: '24680', hash: 'abc', expiresAt: 0 });
  await new Promise((r) => setImmediate(r));
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 'info');
  assert.equal(lines[0]!.msg, 'login code');
  assert.equal(lines[0]!.phone, '15550100001');
  assert.equal(lines[0]!.code, '24680');
});

test('the webhook sender POSTs JSON, never logs the code, and fails on errors and non-2xx answers', async () => {
  const { lines, log } = capture();
  const calls: { url: string; init: RequestInit }[] = [];
  let status = 204;
  let down = false;
  const fakeFetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (down) throw new TypeError('fetch failed');
    return new Response(null, { status });
  }) as unknown as typeof fetch;
  const sender = new WebhookCodeSender('https://sms.example/send', log, fakeFetch);
  await sender.send({ phone: '15550100001', code: '24680', hash: 'abc', expiresAt: 1_700_000_300_000 });
  assert.equal(calls[0]!.url, 'https://sms.example/send');
  assert.equal(calls[0]!.init.method, 'POST');
  assert.equal((calls[0]!.init.headers as Record<string, string>)['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(String(calls[0]!.init.body)), { phone: '15550100001', code: '24680', hash: 'abc', expiresAt: 1_700_000_300 });
  status = 500;
  await assert.rejects(() => sender.send({ phone: '1', code: '1', hash: 'h', expiresAt: 0 }), /answered 500/);
  down = true;
  await assert.rejects(() => sender.send({ phone: '1', code: '1', hash: 'h', expiresAt: 0 }), /unreachable/);
  await new Promise((r) => setImmediate(r));
  assert.ok(lines.length >= 3);
  assert.ok(lines.every((l) => !JSON.stringify(l).includes('24680')), 'the code is not in the log');
});

test('the configured webhook replaces the log sender; a fixed code beyond loopback is warned about loudly', async (t) => {
  const f = await makeFixture({ codeWebhook: 'https://sms.example/send', fixedCode: '12345', listen: '0.0.0.0' });
  const { lines, log } = capture();
  f.core.log = log;
  const auth = new AuthSessionService(f.core);
  t.after(async () => {
    auth.close();
    await f.close();
  });
  assert.ok(auth.sender instanceof WebhookCodeSender);
  await auth.init({ watchRevocations: false });
  await new Promise((r) => setImmediate(r));
  const warn = lines.find((l) => l.level === 'warn');
  assert.ok(warn, 'a warning was logged');
  assert.match(String(warn.msg), /ECHO_FIXED_CODE/);
  assert.match(String(warn.msg), /0\.0\.0\.0/);
});

test('no warning for a fixed code on loopback', async (t) => {
  for (const listen of ['127.0.0.1', '::1', 'localhost']) {
    const f = await makeFixture({ fixedCode: '12345', listen });
    const { lines, log } = capture();
    f.core.log = log;
    const auth = new AuthSessionService(f.core);
    t.after(() => f.close());
    assert.ok(auth.sender instanceof LogCodeSender);
    await auth.init({ watchRevocations: false });
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.filter((l) => l.level === 'warn').length, 0, listen);
  }
});
