// The last step of every way to sign in (code, code + password, QR token): bind the device to the
// user and answer auth.authorization with the user as the user sees themself.
import type { Obj } from '../../tl/index.js';
import { RpcError } from '../../common/rpc-error.js';
import type { UserViews } from '../users/user-view.js';
import type { SignInControl } from '../../contracts/push.js';

export interface FinishSignInDeps {
  signIns: SignInControl;
  userViews: UserViews;
  /** Called after the device is bound (notifications to the user's other devices, for instance). */
  afterSignIn?: (permKeyId: bigint, userId: bigint) => Promise<void>;
}

export async function finishSignIn(deps: FinishSignInDeps, permKeyId: bigint, userId: bigint): Promise<Obj<'auth.authorization'>> {
  await deps.signIns.signIn(permKeyId, userId);
  await deps.afterSignIn?.(permKeyId, userId);
  const user = await deps.userViews.one(userId, userId);
  // Every caller checked the account exists; a user gone meanwhile (deleted in between) cannot sign in.
  if (!user) throw RpcError.unauthorized();
  return { _: 'auth.authorization', user };
}
