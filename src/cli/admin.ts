// `echod users|sessions|codes`: administration against the data dir, with or without the server
// running (SQLite in WAL mode lets both use the file). Tables for people, --json for scripts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config/index.js';
import { openConfiguredDatabase, DATABASE_FILE, type Database } from '../infra/db/index.js';
import { SqlIdGenerator } from '../service/idgen.js';
import { UserStore, type UserRecord } from '../service/users/user-store.js';
import { DeviceDirectory, type Device } from '../service/authsession/device-directory.js';
import { LoginCodeStore } from '../service/authsession/code-store.js';
import { deviceLine } from '../service/authsession/authorization-view.js';
import { AdminService, MAX_PAGE, signOutByNote, userJson, deviceJson, isoSeconds } from '../service/admin/index.js';
import { CliError, type CliIo } from './io.js';

export const ADMIN_COMMANDS: ReadonlySet<string> = new Set(['users', 'sessions', 'codes']);

export const ADMIN_USAGE = `  users list [--limit N] [--json]      accounts, oldest first
  users show <id|phone> [--json]       one account with its signed-in devices
  users ban <id> | users unban <id>    ban: sign-in refused, every device signed out
  sessions list [--user <id>] [--json] signed-in devices (perm auth keys)
  sessions revoke <authKeyId>          sign one device out (the running server kicks it within seconds)
  codes [--json]                       login codes waiting to be used
`;

interface Ctx {
  io: CliIo;
  db: Database;
  admin: AdminService;
  json: boolean;
  now: number;
}

export async function adminCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: negativeIdsAsValues(argv),
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      user: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const [command, sub, arg, extra] = positionals;
  if (extra !== undefined || (command === 'codes' && sub !== undefined)) throw new CliError(`unexpected argument "${extra ?? sub}"`, 2);
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  // openDatabase would create an empty database; a wrong data dir must be reported, not papered over.
  if (config.sql.engine === 'sqlite' && !existsSync(join(config.dataDir, DATABASE_FILE)))
    throw new CliError(`no database in ${config.dataDir}: has echod run with this data dir (ECHO_DATA_DIR)?`);
  const db = await openConfiguredDatabase(config);
  try {
    const users = new UserStore(db.kysely, new SqlIdGenerator(db.kysely));
    const devices = new DeviceDirectory(db.kysely);
    // The same code paths as the admin HTTP API; only signing out differs (a note the running server acts on).
    const admin = new AdminService({ db: db.kysely, users, devices, signOut: signOutByNote(devices, () => Date.now()) });
    const ctx: Ctx = { io, db, admin, json: values.json, now: Date.now() };
    const only = (allowed: string[]) => {
      if (values.user !== undefined && !allowed.includes('user')) throw new CliError('--user only goes with `sessions list`', 2);
      if (values.limit !== undefined && !allowed.includes('limit')) throw new CliError('--limit only goes with `users list`', 2);
    };
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'users list':
        only(['limit']);
        return await usersList(ctx, parseLimit(values.limit));
      case 'users show':
        only([]);
        return await usersShow(ctx, required(arg, 'users show <id|phone>'));
      case 'users ban':
      case 'users unban':
        only([]);
        return await usersBan(ctx, parseId(required(arg, `users ${sub} <id>`)), sub === 'ban');
      case 'sessions list':
        only(['user']);
        return await sessionsList(ctx, values.user === undefined ? undefined : parseId(values.user));
      case 'sessions revoke':
        only([]);
        return await sessionsRevoke(ctx, parseId(required(arg, 'sessions revoke <authKeyId>')));
      case 'codes':
        only([]);
        return await codes(ctx);
      case 'users':
        throw new CliError('`echod users` needs list, show, ban or unban', 2);
      case 'sessions':
        throw new CliError('`echod sessions` needs list or revoke', 2);
      default:
        throw new CliError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"; try \`echod help\``, 2);
    }
  } finally {
    await db.close();
  }
}

/**
 * Auth key ids are signed 64-bit and often negative; parseArgs would read `-5163...` as an option. Such a
 * token becomes `--user=-5163...` after --user, and otherwise a positional after `--`.
 */
function negativeIdsAsValues(argv: string[]): string[] {
  const options: string[] = [];
  const trailing: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    if ((token === '--user' || token === '--limit') && next !== undefined && /^-\d+$/.test(next)) {
      options.push(`${token}=${next}`);
      i++;
    } else if (/^-\d+$/.test(token)) {
      trailing.push(token);
    } else {
      options.push(token);
    }
  }
  return trailing.length ? [...options, '--', ...trailing] : options;
}

function required(value: string | undefined, usage: string): string {
  if (value === undefined) throw new CliError(`missing argument: echod ${usage}`, 2);
  return value;
}

function parseId(value: string): bigint {
  if (!/^-?\d{1,20}$/.test(value)) throw new CliError(`not a numeric id: "${value}"`, 2);
  const id = BigInt(value);
  if (id !== BigInt.asIntN(64, id)) throw new CliError(`id out of range: ${value}`, 2);
  return id;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 1000;
  if (!/^\d{1,6}$/.test(value) || Number(value) === 0) throw new CliError(`--limit expects a positive number, got "${value}"`, 2);
  return Number(value);
}

async function usersList(ctx: Ctx, limit: number): Promise<number> {
  // The service pages by MAX_PAGE; a larger --limit reads several pages.
  const list: UserRecord[] = [];
  while (list.length < limit) {
    const want = Math.min(MAX_PAGE, limit - list.length);
    const page = await ctx.admin.listUsers({ limit: want, offset: list.length });
    list.push(...page);
    if (page.length < want) break;
  }
  if (ctx.json) return printJson(ctx.io, list.map(userJson));
  printTable(
    ctx.io,
    ['ID', 'PHONE', 'NAME', 'USERNAME', 'KIND', 'STATE', 'CREATED'],
    list.map((u) => [u.id.toString(), u.phone ?? '-', fullName(u), u.username ?? '-', u.kind, userState(u), isoSeconds(u.createdAt)]),
  );
  ctx.io.out(`${list.length} user${list.length === 1 ? '' : 's'}\n`);
  return 0;
}

async function findUser(ctx: Ctx, key: string): Promise<UserRecord> {
  // A malformed key is a usage error (exit 2); a well-formed one that matches nobody is not.
  if (!/^\d{1,20}$/.test(key.replace(/[\s+\-()]/g, ''))) throw new CliError(`not a user id or phone number: "${key}"`, 2);
  const user = await ctx.admin.findUser(key);
  if (!user) throw new CliError(`no user with id or phone ${key}`);
  return user;
}

async function usersShow(ctx: Ctx, key: string): Promise<number> {
  const { user, devices } = (await ctx.admin.showUser((await findUser(ctx, key)).id))!;
  if (ctx.json) return printJson(ctx.io, { ...userJson(user), devices: devices.map(deviceJson) });
  const rows: [string, string][] = [
    ['id', user.id.toString()],
    ['phone', user.phone ?? '-'],
    ['name', fullName(user)],
    ['username', user.username ?? '-'],
    ['about', user.about || '-'],
    ['kind', user.kind],
    ['state', userState(user)],
    ['created', isoSeconds(user.createdAt)],
    ['last seen', user.lastSeenAt ? isoSeconds(user.lastSeenAt) : 'never'],
  ];
  for (const [k, v] of rows) ctx.io.out(`${k.padEnd(10)} ${v}\n`);
  ctx.io.out(`\n${devices.length} signed-in device${devices.length === 1 ? '' : 's'}\n`);
  if (devices.length) printTable(ctx.io, ...deviceTable(devices));
  return 0;
}

async function usersBan(ctx: Ctx, id: bigint, ban: boolean): Promise<number> {
  const done = await ctx.admin.setBanned(id, ban);
  if (!done) throw new CliError(`no user with id ${id}`);
  const { user, devicesSignedOut: signedOut } = done;
  if (ctx.json) return printJson(ctx.io, { id: id.toString(), banned: ban, devicesSignedOut: signedOut });
  ctx.io.out(ban ? `banned user ${id} (${fullName(user)}); signed out ${signedOut} device${signedOut === 1 ? '' : 's'}\n` : `unbanned user ${id} (${fullName(user)})\n`);
  return 0;
}

async function sessionsList(ctx: Ctx, userId: bigint | undefined): Promise<number> {
  const devices = await ctx.admin.listSessions(userId === undefined ? {} : { userId });
  if (ctx.json) return printJson(ctx.io, devices.map(deviceJson));
  printTable(ctx.io, ...deviceTable(devices));
  ctx.io.out(`${devices.length} signed-in device${devices.length === 1 ? '' : 's'}\n`);
  return 0;
}

async function sessionsRevoke(ctx: Ctx, permKeyId: bigint): Promise<number> {
  if (!(await ctx.admin.revokeSession(permKeyId))) throw new CliError(`no signed-in device with auth key id ${permKeyId}`);
  if (ctx.json) return printJson(ctx.io, { authKeyId: permKeyId.toString(), revoked: true });
  ctx.io.out(`signed out device ${permKeyId}; a running echod disconnects it within seconds\n`);
  return 0;
}

async function codes(ctx: Ctx): Promise<number> {
  const list = await new LoginCodeStore(ctx.db.kysely).listPending(ctx.now);
  if (ctx.json) {
    return printJson(
      ctx.io,
      list.map((c) => ({
        phone: c.phone,
        code: c.code,
        hash: c.hash,
        authKeyId: c.permKeyId.toString(),
        createdAt: new Date(c.createdAt).toISOString(),
        expiresAt: new Date(c.expiresAt).toISOString(),
        attempts: c.attempts,
        state: c.verified ? 'awaiting-sign-up' : 'pending',
      })),
    );
  }
  printTable(
    ctx.io,
    ['PHONE', 'CODE', 'EXPIRES IN', 'WRONG TRIES', 'STATE', 'HASH'],
    list.map((c) => [c.phone, c.code, `${Math.max(0, Math.round((c.expiresAt - ctx.now) / 1000))}s`, String(c.attempts), c.verified ? 'awaiting sign-up' : 'pending', c.hash]),
  );
  ctx.io.out(`${list.length} code${list.length === 1 ? '' : 's'} waiting\n`);
  return 0;
}

function deviceTable(devices: Device[]): [string[], string[][]] {
  return [
    ['AUTH KEY ID', 'USER', 'DEVICE', 'API ID', 'IP', 'SIGNED IN', 'LAST INFO'],
    devices.map((d) => [
      d.permKeyId.toString(),
      d.userId?.toString() ?? '-',
      deviceLine(d),
      d.client?.apiId?.toString() ?? '-',
      d.client?.ip || '-',
      isoSeconds(d.createdAt),
      d.client ? isoSeconds(d.client.updatedAt) : '-',
    ]),
  ];
}

function fullName(u: UserRecord): string {
  return [u.firstName, u.lastName].filter(Boolean).join(' ') || '-';
}

function userState(u: UserRecord): string {
  return u.deleted ? 'deleted' : u.banned ? 'banned' : 'active';
}

function printJson(io: CliIo, value: unknown): number {
  io.out(JSON.stringify(value, null, 2) + '\n');
  return 0;
}

function printTable(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n';
  io.out(line(header));
  for (const row of rows) io.out(line(row));
}
