// Turning the InputUser / InputPeer a client sends into a user id (core.telegram.org/api/peers). A client
// names another user with the access_hash the server gave it for that user; anything else is refused
// with the error of the argument's family: USER_ID_INVALID for InputUser, PEER_ID_INVALID for InputPeer.
import type { TlType } from '../tl/index.js';
import { RpcError } from '../common/rpc-error.js';
import type { UserRecord } from '../service/users/user-store.js';
import type { RpcContext } from './context.js';
import type { AppServices } from './services.js';

/** The signed-in user making the call (handlers not marked allowUnauthorized always have one). */
export function viewerOf(ctx: RpcContext): bigint {
  const userId = ctx.authKey.userId;
  if (userId === undefined) throw RpcError.unauthorized();
  return userId;
}

/** What names a user: an InputUser, or an InputPeer (which may also name a group, refused here). */
export type InputUserLike = TlType<'InputUser'> | TlType<'InputPeer'>;

function errorFor(input: InputUserLike): RpcError {
  return RpcError.badRequest(input._.startsWith('inputPeer') ? 'PEER_ID_INVALID' : 'USER_ID_INVALID');
}

/**
 * The user id an InputUser or InputPeer names, checked against the viewer's access hash, without a
 * database lookup; undefined when the input does not name a user the viewer may reach. The
 * *FromMessage forms need messages to check against and are refused until messaging resolves them.
 */
export function inputUserId(services: AppServices, viewer: bigint, input: InputUserLike): bigint | undefined {
  switch (input._) {
    case 'inputUserSelf':
    case 'inputPeerSelf':
      return viewer;
    case 'inputUser':
    case 'inputPeerUser': {
      const { userId, accessHash } = input;
      if (userId === viewer) return viewer;
      return services.core.accessHashes.check('user', viewer, userId, accessHash) ? userId : undefined;
    }
    default:
      return undefined;
  }
}

/** The existing user an InputUser / InputPeer names, or the family's error (USER_ID_INVALID / PEER_ID_INVALID). */
export async function resolveInputUserRecord(services: AppServices, ctx: RpcContext, input: InputUserLike): Promise<UserRecord> {
  const id = inputUserId(services, viewerOf(ctx), input);
  const record = id === undefined ? undefined : await services.core.users.byId(id);
  if (!record) throw errorFor(input);
  return record;
}

/** Like resolveInputUserRecord, for callers that only need the id. */
export async function resolveInputUser(services: AppServices, ctx: RpcContext, input: InputUserLike): Promise<bigint> {
  return (await resolveInputUserRecord(services, ctx, input)).id;
}
