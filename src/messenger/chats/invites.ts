// Invite links of basic groups (core.telegram.org/api/invites). A link is `https://<host>/+<hash>`, on the
// server's own host the way t.me links are on Telegram's: clients that parse links take the part after
// "/+" (or "joinchat/") as the hash, and every method that takes a link accepts either form or the bare hash.
import { RpcError } from '../../common/rpc-error.js';
import type { Obj } from '../../tl/index.js';
import type { InviteRecord } from './chat-store.js';

/** 16 random bytes, base64url: as long and as unguessable as Telegram's hashes. */
export function newInviteHash(random: (n: number) => Buffer): string {
  return random(16).toString('base64url');
}

export function inviteLink(host: string, hash: string): string {
  return `https://${host}/+${hash}`;
}

const HASH_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The hash of a link or of a bare hash; INVITE_HASH_INVALID for anything else. */
export function hashOfLink(link: string): string {
  let s = link.trim();
  const plus = s.lastIndexOf('/+');
  const joinchat = s.lastIndexOf('/joinchat/');
  if (plus >= 0) s = s.slice(plus + 2);
  else if (joinchat >= 0) s = s.slice(joinchat + '/joinchat/'.length);
  else if (s.startsWith('+')) s = s.slice(1);
  if (!HASH_RE.test(s)) throw RpcError.badRequest('INVITE_HASH_INVALID');
  return s;
}

export type InviteUsability = 'ok' | 'revoked' | 'expired' | 'exhausted';

export function usability(invite: InviteRecord, nowSeconds: number): InviteUsability {
  if (invite.revoked) return 'revoked';
  if (invite.expireDate !== null && invite.expireDate > 0 && invite.expireDate <= nowSeconds) return 'expired';
  if (invite.usageLimit !== null && invite.usageLimit > 0 && invite.uses >= invite.usageLimit) return 'exhausted';
  return 'ok';
}

/** The invite for a joining user, or Telegram's error: an unknown hash is invalid, a used-up one expired. */
export function requireUsable(invite: InviteRecord | undefined, nowSeconds: number): InviteRecord {
  if (!invite) throw RpcError.badRequest('INVITE_HASH_INVALID');
  if (usability(invite, nowSeconds) !== 'ok') throw RpcError.badRequest('INVITE_HASH_EXPIRED');
  return invite;
}

/** `requested`: the join requests pending through the link (links that need approval). */
export function exportedInviteTl(host: string, i: InviteRecord, requested?: number): Obj<'chatInviteExported'> {
  return {
    _: 'chatInviteExported',
    revoked: i.revoked || undefined,
    permanent: i.permanent || undefined,
    requestNeeded: i.requestNeeded || undefined,
    requested: i.requestNeeded && requested ? requested : undefined,
    link: inviteLink(host, i.hash),
    adminId: i.adminId,
    date: i.date,
    expireDate: i.expireDate ?? undefined,
    usageLimit: i.usageLimit ?? undefined,
    usage: i.uses > 0 ? i.uses : undefined,
    title: i.title ?? undefined,
  };
}
