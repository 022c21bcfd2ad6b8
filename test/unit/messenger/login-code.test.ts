// auth.sendCode's in-app delivery (AuthSessionService.useInAppCodes): an existing account with a device
// online gets the code from 777000 instead of the configured sender; resendCode and failures fall back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthSessionService, type CodeDelivery, type CodeSender, type InAppCodeChannel } from '../../../src/service/authsession/index.js';
import { makeFixture } from '../authsession/fixture.js';

const PHONE = '+1 555 010 0042';
const DEVICE = 7001n;

class Recorder implements CodeSender {
  sent: CodeDelivery[] = [];
  async send(d: CodeDelivery): Promise<void> {
    this.sent.push(d);
  }
}

async function setup(t: { after(fn: () => unknown): unknown }) {
  const f = await makeFixture({ fixedCode: '24680' });
  const sender = new Recorder();
  const auth = new AuthSessionService(f.core, { sender });
  await auth.init({ watchRevocations: false });
  t.after(async () => {
    auth.close();
    await f.close();
  });
  await f.addDevice(DEVICE);
  const inApp: { calls: [bigint, string][]; online: boolean; fail: boolean } = { calls: [], online: true, fail: false };
  const channel: InAppCodeChannel = {
    async deliverLoginCode(userId, code) {
      if (inApp.fail) throw new Error('box unavailable');
      inApp.calls.push([userId, code]);
      return inApp.online;
    },
  };
  auth.useInAppCodes(channel);
  return { f, auth, sender, inApp };
}

test('a new phone goes through the configured sender; the app is never asked', async (t) => {
  const { auth, sender, inApp } = await setup(t);
  const sent = await auth.sendCode(PHONE, { permKeyId: DEVICE, ip: '10.0.0.9' });
  assert.equal(sent.via, 'sms');
  assert.equal(sender.sent.length, 1);
  assert.deepEqual(inApp.calls, []);
});

test('an account with a device online gets the code in the app; resendCode uses the sender; offline or failing falls back', async (t) => {
  const { f, auth, sender, inApp } = await setup(t);
  const user = await f.core.users.create({ phone: '15550100042', firstName: 'Dana', createdAt: 1 });
  const first = await auth.sendCode(PHONE, { permKeyId: DEVICE, ip: '10.0.0.9' });
  assert.equal(first.via, 'app');
  assert.deepEqual(inApp.calls, [[user.id, '24680']]);
  assert.equal(sender.sent.length, 0);
  const again = await auth.resendCode(PHONE, first.hash, { permKeyId: DEVICE, ip: '10.0.0.9' });
  assert.equal(again.via, 'sms');
  assert.equal(sender.sent.length, 1);

  inApp.online = false;
  assert.equal((await auth.sendCode(PHONE, { permKeyId: DEVICE, ip: '10.0.0.9' })).via, 'sms');
  inApp.fail = true;
  const last = await auth.sendCode(PHONE, { permKeyId: DEVICE, ip: '10.0.0.9' });
  assert.equal(last.via, 'sms');
  assert.equal(sender.sent.length, 3);
  // The code itself is the same either way: signing in with it works.
  const verdict = await auth.checkCode(PHONE, last.hash, '24680', { permKeyId: DEVICE, ip: '10.0.0.9' });
  assert.ok('user' in verdict && verdict.user.id === user.id);
});
