import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../../src/common/rate-limiter.js';
import { loadConfig, ConfigError } from '../../../src/infra/config/index.js';

test('a bucket allows its burst, then refills at its rate, per key', () => {
  let now = 0;
  const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false]);
  assert.equal(limiter.take('b'), true, 'another address has its own bucket');
  now += 499;
  assert.equal(limiter.take('a'), false);
  now += 1;
  assert.equal(limiter.take('a'), true, 'one token after half a second at 2/s');
  now += 60_000;
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false], 'refill stops at the burst');
});

test('ECHO_HANDSHAKE_RATE: burst/perSecond, 0 for none, anything else names the key', () => {
  assert.deepEqual(loadConfig({ env: { ECHO_HANDSHAKE_RATE: '5/1' }, cwd: '/' }).handshakeRate, { burst: 5, perSecond: 1 });
  assert.equal(loadConfig({ env: { ECHO_HANDSHAKE_RATE: '0' }, cwd: '/' }).handshakeRate, null);
  assert.throws(() => loadConfig({ env: { ECHO_HANDSHAKE_RATE: 'fast' }, cwd: '/' }), (err: ConfigError) => err.message.startsWith('ECHO_HANDSHAKE_RATE:'));
});
