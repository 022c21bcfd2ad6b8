import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/common/rpc-error.js';
import { snakeToCamel } from '../../../src/tl/parser.js';
import { CANONICAL_LAYER } from '../../../src/tl/index.js';
import { loadSchemaSet } from '../tl/synth.js';
import {
  ADMIN_BITS,
  BANNED_BITS,
  adminBits,
  adminTl,
  bannedBits,
  bannedFromTl,
  bannedTl,
  BASIC_ADMIN_RIGHTS,
  CREATOR_RIGHTS,
  FOREVER,
  hasAdminRight,
  sendBlocked,
} from '../../../src/messenger/chats/rights.js';
import {
  adminRightsOf,
  checkTitle,
  may,
  participantsTl,
  requireMember,
  requirePinRight,
  requireRemovable,
  requireRoom,
  requireSend,
  ROLE_ADMIN,
  ROLE_CREATOR,
  ROLE_MEMBER,
  STATE_KICKED,
  STATE_LEFT,
  STATE_MEMBER,
  type ChatRecord,
  type Participant,
} from '../../../src/messenger/chats/participants.js';
import { hashOfLink, inviteLink, requireUsable, usability } from '../../../src/messenger/chats/invites.js';
import type { InviteRecord } from '../../../src/messenger/chats/chat-store.js';
import { chatTl } from '../../../src/messenger/chats/chat-views.js';
import { expectTl } from '../../support/tl.js';

const rpc = (message: string) => (e: unknown) => e instanceof RpcError && e.errorMessage === message;

const chat = (defaultBanned = 0): ChatRecord => ({ id: 7n, creatorId: 1n, title: 'T', about: '', date: 100, version: 3, defaultBanned, flags: 0 });
const p = (userId: bigint, role = ROLE_MEMBER, state = STATE_MEMBER, inviterId = 1n, date = 100): Participant => ({ chatId: 7n, userId, inviterId, date, role: role as Participant['role'], state: state as Participant['state'] });

test('banned rights round-trip through the chatBannedRights flags word', () => {
  const tl = { _: 'chatBannedRights' as const, sendMessages: true, inviteUsers: true, pinMessages: true, untilDate: 0 };
  const bits = bannedFromTl(tl);
  assert.equal(bits, (1 << 1) | (1 << 15) | (1 << 17));
  assert.equal(bits, bannedBits(['sendMessages', 'inviteUsers', 'pinMessages']));
  assert.deepEqual(bannedTl(bits), { _: 'chatBannedRights', sendMessages: true, inviteUsers: true, pinMessages: true, untilDate: FOREVER });
  assert.equal(bannedFromTl({ _: 'chatBannedRights', untilDate: 5 }), 0);
});

test('admin rights: basic admins lack add_admins, the creator has it', () => {
  assert.ok(hasAdminRight(BASIC_ADMIN_RIGHTS, 'deleteMessages'));
  assert.ok(hasAdminRight(BASIC_ADMIN_RIGHTS, 'banUsers'));
  assert.ok(!hasAdminRight(BASIC_ADMIN_RIGHTS, 'addAdmins'));
  assert.ok(hasAdminRight(CREATOR_RIGHTS, 'addAdmins'));
  assert.deepEqual(adminTl(adminBits(['changeInfo', 'addAdmins'])), { _: 'chatAdminRights', changeInfo: true, addAdmins: true });
  assert.equal(adminRightsOf(p(1n, ROLE_CREATOR)), CREATOR_RIGHTS);
  assert.equal(adminRightsOf(p(2n, ROLE_ADMIN)), BASIC_ADMIN_RIGHTS);
  assert.equal(adminRightsOf(p(3n)), 0);
  // A former admin holds nothing.
  assert.equal(adminRightsOf(p(2n, ROLE_ADMIN, STATE_LEFT)), 0);
});

test('send rights: send_messages blocks everything, send_plain text, send_media media', () => {
  assert.ok(sendBlocked(bannedBits(['sendMessages']), 'text'));
  assert.ok(sendBlocked(bannedBits(['sendMessages']), 'media'));
  assert.ok(sendBlocked(bannedBits(['sendPlain']), 'text'));
  assert.ok(!sendBlocked(bannedBits(['sendPlain']), 'media'));
  assert.ok(sendBlocked(bannedBits(['sendMedia']), 'media'));
  assert.ok(!sendBlocked(0, 'text'));
});

test('requireSend: members obey default rights, admins and the creator do not, former members cannot', () => {
  const muted = chat(bannedBits(['sendMessages']));
  assert.throws(() => requireSend(muted, p(3n), { text: true, media: false }), rpc('CHAT_WRITE_FORBIDDEN'));
  requireSend(muted, p(2n, ROLE_ADMIN), { text: true, media: false });
  requireSend(muted, p(1n, ROLE_CREATOR), { text: true, media: true });
  requireSend(chat(), p(3n), { text: true, media: true });
  assert.throws(() => requireSend(chat(bannedBits(['sendMedia'])), p(3n), { text: false, media: true }), rpc('CHAT_WRITE_FORBIDDEN'));
  assert.throws(() => requireSend(chat(), p(3n, ROLE_MEMBER, STATE_LEFT), { text: true, media: false }), rpc('CHAT_WRITE_FORBIDDEN'));
  assert.throws(() => requireSend(chat(), p(3n, ROLE_MEMBER, STATE_KICKED), { text: true, media: false }), rpc('CHAT_WRITE_FORBIDDEN'));
  assert.throws(() => requireSend(chat(), undefined, { text: true, media: false }), rpc('CHAT_ID_INVALID'));
  assert.throws(() => requireMember(undefined), rpc('CHAT_ID_INVALID'));
});

test('may: members use member-level rights unless banned; admin-only rights need an admin', () => {
  assert.ok(may(chat(), p(3n), 'inviteUsers', 'inviteUsers'));
  assert.ok(!may(chat(bannedBits(['inviteUsers'])), p(3n), 'inviteUsers', 'inviteUsers'));
  assert.ok(may(chat(bannedBits(['inviteUsers'])), p(2n, ROLE_ADMIN), 'inviteUsers', 'inviteUsers'));
  assert.ok(!may(chat(), p(3n), 'banUsers'));
  assert.ok(may(chat(), p(2n, ROLE_ADMIN), 'banUsers'));
  assert.ok(!may(chat(), p(2n, ROLE_ADMIN), 'addAdmins'));
  assert.ok(!may(chat(), p(3n, ROLE_MEMBER, STATE_LEFT), 'inviteUsers', 'inviteUsers'));
});

test('requirePinRight: members pin unless the default rights ban it; admins and the creator always; former members never', () => {
  assert.equal(requirePinRight(chat(), p(3n)).userId, 3n);
  const noPins = chat(bannedBits(['pinMessages']));
  assert.throws(() => requirePinRight(noPins, p(3n)), rpc('CHAT_ADMIN_REQUIRED'));
  assert.equal(requirePinRight(noPins, p(2n, ROLE_ADMIN)).userId, 2n);
  assert.equal(requirePinRight(noPins, p(1n, ROLE_CREATOR)).userId, 1n);
  // Barred from writing is not barred from pinning.
  assert.equal(requirePinRight(chat(bannedBits(['sendMessages'])), p(3n)).userId, 3n);
  assert.throws(() => requirePinRight(chat(), p(3n, ROLE_MEMBER, STATE_LEFT)), rpc('CHAT_WRITE_FORBIDDEN'));
  assert.throws(() => requirePinRight(chat(), p(3n, ROLE_ADMIN, STATE_KICKED)), rpc('CHAT_WRITE_FORBIDDEN'));
  assert.throws(() => requirePinRight(chat(), undefined), rpc('CHAT_ID_INVALID'));
});

test('requireRemovable: leave, creator kicks anyone, admins kick members, members only their own invitees', () => {
  const creator = p(1n, ROLE_CREATOR);
  const admin = p(2n, ROLE_ADMIN);
  const member = p(3n, ROLE_MEMBER, STATE_MEMBER, 1n);
  const invitedByMember = p(4n, ROLE_MEMBER, STATE_MEMBER, 3n);
  assert.equal(requireRemovable(member, member), member);
  assert.equal(requireRemovable(creator, admin), admin);
  assert.equal(requireRemovable(admin, member), member);
  assert.throws(() => requireRemovable(admin, creator), rpc('CHAT_ADMIN_REQUIRED'));
  assert.throws(() => requireRemovable(admin, p(5n, ROLE_ADMIN)), rpc('CHAT_ADMIN_REQUIRED'));
  assert.equal(requireRemovable(member, invitedByMember), invitedByMember);
  assert.throws(() => requireRemovable(invitedByMember, member), rpc('CHAT_ADMIN_REQUIRED'));
  assert.throws(() => requireRemovable(creator, undefined), rpc('USER_NOT_PARTICIPANT'));
  assert.throws(() => requireRemovable(creator, p(9n, ROLE_MEMBER, STATE_LEFT)), rpc('USER_NOT_PARTICIPANT'));
  assert.throws(() => requireRemovable(p(3n, ROLE_MEMBER, STATE_KICKED), invitedByMember), rpc('CHAT_WRITE_FORBIDDEN'));
});

test('member limit and titles', () => {
  requireRoom(199, 1);
  assert.throws(() => requireRoom(200, 1), rpc('USERS_TOO_MUCH'));
  assert.throws(() => requireRoom(1, 3, 3), rpc('USERS_TOO_MUCH'));
  assert.equal(checkTitle('  Team  '), 'Team');
  assert.throws(() => checkTitle('   '), rpc('CHAT_TITLE_EMPTY'));
  assert.equal(checkTitle('x'.repeat(300)).length, 128);
});

test('participantsTl: creator first, then admins, then members by join date; former members get the forbidden form', () => {
  const all = [p(3n, ROLE_MEMBER, STATE_MEMBER, 1n, 105), p(4n, ROLE_MEMBER, STATE_MEMBER, 1n, 101), p(2n, ROLE_ADMIN), p(1n, ROLE_CREATOR), p(5n, ROLE_MEMBER, STATE_KICKED)];
  const tl = participantsTl(chat(), all[0], all);
  assert.equal(tl._, 'chatParticipants');
  assert.equal(tl.version, 3);
  assert.deepEqual(
    (tl.participants as { _: string; userId: bigint }[]).map((x) => [x._, x.userId]),
    [
      ['chatParticipantCreator', 1n],
      ['chatParticipantAdmin', 2n],
      ['chatParticipant', 4n],
      ['chatParticipant', 3n],
    ],
  );
  assert.deepEqual(participantsTl(chat(), all[4], all), { _: 'chatParticipantsForbidden', chatId: 7n });
});

test('chatTl: member, creator with rights, left, kicked, stranger', () => {
  const c = chat(bannedBits(['sendMessages']));
  const asMember = chatTl(c, p(3n), 4)!;
  assert.equal(asMember._, 'chat');
  assert.equal(asMember.creator, undefined);
  assert.equal(asMember.adminRights, undefined);
  assert.equal(asMember.participantsCount, 4);
  assert.equal((asMember.defaultBannedRights as { sendMessages?: boolean }).sendMessages, true);
  const asCreator = expectTl(chatTl(c, p(1n, ROLE_CREATOR), 4), 'chat');
  assert.equal(asCreator.creator, true);
  assert.equal((asCreator.adminRights as { addAdmins?: boolean }).addAdmins, true);
  assert.equal(expectTl(chatTl(c, p(3n, ROLE_MEMBER, STATE_LEFT), 4), 'chat').left, true);
  assert.deepEqual(chatTl(c, p(3n, ROLE_MEMBER, STATE_KICKED), 4), { _: 'chatForbidden', id: 7n, title: 'T' });
  assert.equal(chatTl(c, undefined, 4), undefined);
});

test('invite links: the link form, hashes from every accepted form, usability', () => {
  assert.equal(inviteLink('echo.example', 'AbC_-1'), 'https://echo.example/+AbC_-1');
  assert.equal(hashOfLink('https://echo.example/+AbC_-1'), 'AbC_-1');
  assert.equal(hashOfLink('https://t.me/joinchat/AbC'), 'AbC');
  assert.equal(hashOfLink('+AbC'), 'AbC');
  assert.equal(hashOfLink('AbC'), 'AbC');
  for (const bad of ['', 'https://echo.example/+', 'a b', 'x'.repeat(65), 'ab/cd']) assert.throws(() => hashOfLink(bad), rpc('INVITE_HASH_INVALID'), bad);
  const inv: InviteRecord = { hash: 'h', chatId: 7n, adminId: 1n, date: 10, expireDate: null, usageLimit: null, uses: 0, revoked: false, permanent: true, title: null };
  assert.equal(usability(inv, 100), 'ok');
  assert.equal(usability({ ...inv, revoked: true }, 100), 'revoked');
  assert.equal(usability({ ...inv, expireDate: 100 }, 100), 'expired');
  assert.equal(usability({ ...inv, expireDate: 101 }, 100), 'ok');
  assert.equal(usability({ ...inv, usageLimit: 2, uses: 2 }, 100), 'exhausted');
  assert.throws(() => requireUsable(undefined, 100), rpc('INVITE_HASH_INVALID'));
  assert.throws(() => requireUsable({ ...inv, revoked: true }, 100), rpc('INVITE_HASH_EXPIRED'));
  assert.equal(requireUsable(inv, 100), inv);
});

test('results whose type changed across layers: older layers get the Updates inside', async () => {
  const { encodeResult, decodeObject } = await import('../../../src/tl/index.js');
  await import('../../../src/bff/messages-chats.js');
  const updates = { _: 'updates' as const, updates: [], users: [], chats: [], date: 1, seq: 0 };
  const join = { _: 'messages.chatInviteJoinResultOk' as const, updates };
  assert.equal(decodeObject(encodeResult('messages.importChatInvite', join, 198))._, 'updates');
  assert.equal(decodeObject(encodeResult('messages.importChatInvite', join, 227))._, 'messages.chatInviteJoinResultOk');
  const invited = { _: 'messages.invitedUsers' as const, updates, missingInvitees: [] };
  assert.equal(decodeObject(encodeResult('messages.createChat', invited, 158))._, 'updates');
  assert.equal(decodeObject(encodeResult('messages.createChat', invited, 198))._, 'messages.invitedUsers');
});

test('the rights tables name every true-flag of the canonical chatAdminRights and chatBannedRights, at their bits', () => {
  const defs = loadSchemaSet().layerDefs.get(CANONICAL_LAYER)!;
  for (const [predicate, table] of [['chatAdminRights', ADMIN_BITS], ['chatBannedRights', BANNED_BITS]] as const) {
    const flags = Object.fromEntries(
      defs.get(predicate)!.params.filter((p) => p.cond && p.type.kind === 'prim' && p.type.name === 'true').map((p) => [snakeToCamel(p.name), p.cond!.bit]),
    );
    assert.deepEqual({ ...table }, flags, predicate);
  }
});
