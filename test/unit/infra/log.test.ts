import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { componentLogger, createLogger } from '../../../src/infra/log.js';

/** A destination that keeps every line written, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

test('one JSON object per line with the level name, time and message', () => {
  const { lines, stream } = capture();
  const log = createLogger('info', stream);
  log.info({ tcpPorts: [10443] }, 'echod ready');
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'echod ready');
  assert.deepEqual(line.tcpPorts, [10443]);
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
});

test('lines below the level are dropped', () => {
  const { lines, stream } = capture();
  const log = createLogger('warn', stream);
  log.info('quiet');
  log.debug('quieter');
  log.warn('loud');
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['loud'],
  );
});

test('child loggers carry the component', () => {
  const { lines, stream } = capture();
  const gateway = componentLogger(createLogger('info', stream), 'gateway', { transport: 'abridged' });
  gateway.info('connection opened');
  assert.equal(lines[0]!.component, 'gateway');
  assert.equal(lines[0]!.transport, 'abridged');
});

test('64-bit ids are written as exact decimal strings', () => {
  const { lines, stream } = capture();
  const log = createLogger('info', stream);
  const id = -(2n ** 63n) + 1n;
  log.info({ authKeyId: id, nested: { userId: 2n ** 62n + 1n }, list: [1n] }, 'key');
  log.child({ sessionId: 2n ** 64n - 1n }).info('child');
  assert.equal(lines[0]!.authKeyId, id.toString());
  assert.deepEqual(lines[0]!.nested, { userId: (2n ** 62n + 1n).toString() });
  assert.deepEqual(lines[0]!.list, ['1']);
  assert.equal(lines[1]!.sessionId, (2n ** 64n - 1n).toString());
});

test('errors keep their message and stack', () => {
  const { lines, stream } = capture();
  createLogger('info', stream).error({ err: new Error('boom') }, 'failed');
  const err = lines[0]!.err as { message: string; stack: string };
  assert.equal(err.message, 'boom');
  assert.match(err.stack, /Error: boom/);
});

test('secrets that slip into a log call are masked', () => {
  const { lines, stream } = capture();
  const log = createLogger('info', stream);
  log.info({ password: 'hunter2', db: { password: 'x' }, authKey: Buffer.alloc(4, 1), config: { sql: { password: 'y' } } }, 'oops');
  const text = JSON.stringify(lines[0]);
  for (const secret of ['hunter2', '"x"', '"y"', '[1,1,1,1]']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  assert.equal(lines[0]!.password, '[redacted]');
  assert.equal(lines[0]!.authKey, '[redacted]');
});

test('bigint bindings of grandchildren are strings too', () => {
  const { lines, stream } = capture();
  createLogger('info', stream).child({ a: 1n }).child({ b: 2n ** 60n + 3n }).info('deep');
  assert.equal(lines[0]!.a, '1');
  assert.equal(lines[0]!.b, (2n ** 60n + 3n).toString());
});
