import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactConfig, ConfigError } from '../../../src/infra/config/index.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'echo-admincfg-'));

test('ECHO_ADMIN_TOKEN: unset means null (API off); set, it is kept and redacted for logs', () => {
  assert.equal(loadConfig({ env: {}, cwd: cwd() }).adminToken, null);
  const c = loadConfig({ env: { ECHO_ADMIN_TOKEN: '  abcdefghijklmnop0123  ' }, cwd: cwd() });
  assert.equal(c.adminToken, 'abcdefghijklmnop0123');
  assert.equal(redactConfig(c).adminToken, '[redacted]');
  assert.equal(c.adminToken, 'abcdefghijklmnop0123', 'the original is untouched');
});

test('a too short or spaced admin token is refused without echoing it', () => {
  for (const bad of ['short', 'has spaces in the middle of it', 'x'.repeat(513)]) {
    assert.throws(
      () => loadConfig({ env: { ECHO_ADMIN_TOKEN: bad }, cwd: cwd() }),
      (err: Error) => err instanceof ConfigError && err.message.startsWith('ECHO_ADMIN_TOKEN: expected a token of at least 16 characters') && !err.message.includes(bad) && err.message.includes('(hidden)'),
    );
  }
});

test('ECHO_ADMIN_LISTEN accepts port 0 (any free port)', () => {
  assert.deepEqual(loadConfig({ env: { ECHO_ADMIN_LISTEN: '127.0.0.1:0' }, cwd: cwd() }).adminListen, { host: '127.0.0.1', port: 0 });
});
