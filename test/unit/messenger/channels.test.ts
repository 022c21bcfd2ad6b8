// Channels: the model suite on SQLite (channels-model.ts; the engine tests run it on MySQL) and the pure rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/infra/db/index.js';
import type { RpcError } from '../../../src/common/rpc-error.js';
import { requirePost, requirePromote, requireBan, ROLE_ADMIN, ROLE_BANNED, ROLE_CREATOR, CHANNEL_MEGAGROUP, CHANNEL_BROADCAST, type ChannelRecord } from '../../../src/messenger/channels/index.js';
import { adminBits, bannedBits } from '../../../src/messenger/chats/rights.js';
import { CREATOR, channelModelSuite, member } from './channels-model.js';

const dirs: string[] = [];
channelModelSuite(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'echo-channels-'));
    dirs.push(dir);
    return openDatabase(dir);
  },
  async () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
);

const channel = (over: Partial<ChannelRecord> = {}): ChannelRecord => ({ id: 1n, creatorId: CREATOR, title: 't', about: '', username: null, date: 0, flags: CHANNEL_MEGAGROUP, pts: 0, topMessage: 0, topDate: 0, readMaxId: 0, participantsCount: 3, defaultBanned: 0, slowmodeSeconds: 0, photoId: null, migratedFromChatId: null, ...over });
const errorOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as RpcError).errorMessage;
  }
};

test('posting rules: broadcast admins only, personal restriction, default rights, slow mode, kicked', () => {
  const m = member(1n, 2n, 0);
  const text = { text: true, media: false };
  assert.equal(errorOf(() => requirePost(channel({ flags: CHANNEL_BROADCAST }), m, text, 100)), 'CHAT_WRITE_FORBIDDEN');
  assert.equal(errorOf(() => requirePost(channel(), { ...m, role: ROLE_BANNED, bannedRights: bannedBits(['sendMessages']) }, text, 100)), 'USER_BANNED_IN_CHANNEL');
  assert.equal(errorOf(() => requirePost(channel(), { ...m, role: ROLE_BANNED, bannedRights: bannedBits(['sendMessages']), bannedUntil: 50 }, text, 100)), undefined, 'an expired restriction no longer applies');
  assert.equal(errorOf(() => requirePost(channel({ defaultBanned: bannedBits(['sendMessages']) }), m, text, 100)), 'CHAT_WRITE_FORBIDDEN');
  assert.equal(errorOf(() => requirePost(channel({ defaultBanned: bannedBits(['sendMedia']) }), m, { text: false, media: true }, 100)), 'CHAT_WRITE_FORBIDDEN');
  assert.equal(errorOf(() => requirePost(channel({ slowmodeSeconds: 30 }), { ...m, lastPostDate: 90 }, text, 100)), 'SLOWMODE_WAIT_20');
  assert.equal(errorOf(() => requirePost(channel({ slowmodeSeconds: 30 }), { ...m, role: ROLE_ADMIN, adminRights: adminBits(['deleteMessages']), lastPostDate: 90 }, text, 100)), undefined);
  assert.equal(errorOf(() => requirePost(channel(), { ...m, role: ROLE_BANNED, bannedRights: bannedBits(['viewMessages']) }, text, 100)), 'CHANNEL_PRIVATE');
  assert.equal(errorOf(() => requirePost(channel(), undefined, text, 100)), 'CHANNEL_PRIVATE');
});

test('promotion and ban rules: add_admins needed, only held rights given, others\' admins and the creator protected', () => {
  const creator = { ...member(1n, CREATOR, 0), role: ROLE_CREATOR as typeof ROLE_CREATOR };
  const admin = { ...member(1n, 2n, 0), role: ROLE_ADMIN as typeof ROLE_ADMIN, adminRights: adminBits(['addAdmins', 'banUsers']), actorId: CREATOR };
  const other = { ...member(1n, 3n, 0), role: ROLE_ADMIN as typeof ROLE_ADMIN, adminRights: adminBits(['banUsers']), actorId: CREATOR };
  const plain = member(1n, 4n, 0);
  assert.equal(errorOf(() => requirePromote(plain, admin, adminBits(['banUsers']))), 'CHAT_ADMIN_REQUIRED');
  assert.equal(errorOf(() => requirePromote(admin, plain, adminBits(['deleteMessages']))), 'RIGHT_FORBIDDEN');
  assert.equal(errorOf(() => requirePromote(admin, plain, adminBits(['banUsers']))), undefined);
  assert.equal(errorOf(() => requirePromote(admin, other, 0)), 'USER_ADMIN_INVALID');
  assert.equal(errorOf(() => requirePromote(admin, creator, 0)), 'USER_CREATOR');
  assert.equal(errorOf(() => requirePromote(creator, other, 0)), undefined);
  assert.equal(errorOf(() => requireBan(admin, creator)), 'USER_ADMIN_INVALID');
  assert.equal(errorOf(() => requireBan(admin, other)), 'USER_ADMIN_INVALID');
  assert.equal(errorOf(() => requireBan(admin, plain)), undefined);
  assert.equal(errorOf(() => requireBan(plain, admin)), 'CHAT_ADMIN_REQUIRED');
});
