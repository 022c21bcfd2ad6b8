// Stand-ins the messenger unit tests share: a push that records what would reach devices, and user
// objects reduced to their ids (the tests look at messages and updates, not at user views).
import type { SessionRef, UpdatePusher } from '../../../src/contracts/push.js';
import type { Obj, TlObject } from '../../../src/tl/index.js';

export interface Pushed {
  userId: bigint;
  updates: any;
  except?: SessionRef;
}

export function recordingPush(pushed: Pushed[], online: (userId: bigint) => boolean = () => true): UpdatePusher {
  return {
    pushToUser: (userId: bigint, updates: TlObject, except?: SessionRef) => void pushed.push({ userId, updates, except }),
    pushToAuthKey: () => {},
    isOnline: online,
    onConnectivity: () => {},
  };
}

export const plainUserViews = {
  many: async (_viewer: bigint, ids: readonly bigint[]) => [...new Set(ids)].map((id): Obj<'user'> => ({ _: 'user', id })),
};
