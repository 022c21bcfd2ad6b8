// Argument handling and error reporting shared by every echod command.
import { parseArgs } from 'node:util';
import { ConfigError } from '../infra/config/index.js';
import { clientConfigCommand } from './client-config.js';
import { ADMIN_COMMANDS, ADMIN_USAGE, adminCommand } from './admin.js';
import { CliError, type CliIo } from './io.js';
import { BACKUP_COMMANDS, BACKUP_USAGE, backupCommand } from './backup.js';
import { keygenCommand } from './keygen.js';
import { startCommand } from './start.js';

export const USAGE = `Usage: echod <command> [options]

Commands:
  start                    run the server (creates the data dir and the server key on first start)
  keygen [--force [--yes]] create the server RSA key if missing and print its fingerprint;
                           --force replaces an existing key (asks first; --yes answers for scripts)
  client-config [--json]   print the address, DC id and public key clients need, with snippets
                           for GramJS, mtcute, Telethon and Android; --json prints one JSON object
  help                     show this text

Administration (works on the data dir, with or without a running server):
${ADMIN_USAGE}
Backups (embedded set-up; see the README for MySQL):
${BACKUP_USAGE}
Settings: etc/echod.yaml (or the file named by ECHO_CONFIG), overridden by environment variables:
  ECHO_DATA_DIR (./data)      ECHO_HOST (127.0.0.1, address given to clients)
  ECHO_LISTEN (127.0.0.1)     ECHO_TCP_PORTS (10443,5222)   ECHO_HTTP_PORT (8801)
  ECHO_TLS_CERT, ECHO_TLS_KEY  ECHO_LOG_LEVEL (info)   ECHO_DC_ID (2)   ECHO_ADMIN_LISTEN (127.0.0.1:8802)
  ECHO_CODE_WEBHOOK (login codes POSTed to an SMS gateway)   ECHO_FIXED_CODE (every code; tests only)
  ECHO_ADMIN_TOKEN (bearer token of the admin API on ECHO_ADMIN_LISTEN; unset: API off)
  See etc/echod.example.yaml for every key.
`;

const OPTIONS_BY_COMMAND: Record<string, string[]> = {
  start: [],
  keygen: ['force', 'yes'],
  'client-config': ['json'],
  help: [],
};

export async function main(argv: string[], io: CliIo, signals?: NodeJS.EventEmitter): Promise<number> {
  try {
    if (ADMIN_COMMANDS.has(argv[0] ?? '')) return await adminCommand(argv, io);
    if (BACKUP_COMMANDS.has(argv[0] ?? '')) return await backupCommand(argv, io);
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const command = values.help ? 'help' : (positionals[0] ?? 'help');
    if (!(command in OPTIONS_BY_COMMAND)) throw new CliError(`unknown command "${command}"; try \`echod help\``, 2);
    if (positionals.length > 1) throw new CliError(`unexpected argument "${positionals[1]}" after ${command}`, 2);
    const allowed = OPTIONS_BY_COMMAND[command]!;
    for (const name of ['json', 'force', 'yes'] as const)
      if (values[name] && !allowed.includes(name)) throw new CliError(`--${name} does not apply to ${command}`, 2);
    if (values.yes && !values.force) throw new CliError('--yes only goes with --force', 2);

    switch (command) {
      case 'start':
        return await startCommand(io, signals);
      case 'keygen':
        return await keygenCommand(io, { force: values.force, yes: values.yes });
      case 'client-config':
        return await clientConfigCommand(io, { json: values.json });
      default:
        io.out(USAGE);
        return 0;
    }
  } catch (err) {
    io.err(`echod: ${oneLine(err)}\n`);
    if (err instanceof CliError) return err.exitCode;
    if (isUsageError(err)) return 2;
    return 1;
  }
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A ConfigError is written as one line already; other errors (sockets, files) are cut to their first line.
  return err instanceof ConfigError ? message : (message.split('\n')[0] ?? message);
}

function isUsageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
