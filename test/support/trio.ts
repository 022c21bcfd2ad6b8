// The cast most chat scenarios start with: Alice and Carol on GramJS, Bob on mtcute with its updates loop,
// every update each of them receives recorded in their inbox, and each with an update state on the server.
import { Api, type GramjsHandle } from './gramjs.js';
import { startUpdates, type MtcuteHandle } from './mtcute.js';
import { Inbox, watchGramjs, watchMtcute } from './inbox.js';
import type { E2eWorld } from './e2e.js';

export interface Trio {
  alice: GramjsHandle;
  bob: MtcuteHandle;
  carol: GramjsHandle;
  ids: { alice: bigint; bob: bigint; carol: bigint };
}

export async function signUpTrio(world: E2eWorld, phones: { alice: string; bob: string; carol: string }, inbox: { alice: Inbox; bob: Inbox; carol: Inbox }): Promise<Trio> {
  const a = await world.signUpGramjs({ phone: phones.alice, firstName: 'Alice' });
  const b = await world.signUpMtcute({ phone: phones.bob, firstName: 'Bob', mtcute: { updates: true } });
  const c = await world.signUpGramjs({ phone: phones.carol, firstName: 'Carol' });
  watchGramjs(a.handle, inbox.alice);
  watchGramjs(c.handle, inbox.carol);
  watchMtcute(b.handle, inbox.bob);
  await startUpdates(b.handle);
  await a.handle.client.invoke(new Api.updates.GetState());
  await c.handle.client.invoke(new Api.updates.GetState());
  return { alice: a.handle, bob: b.handle, carol: c.handle, ids: { alice: a.userId, bob: b.userId, carol: c.userId } };
}
