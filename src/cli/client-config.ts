// `echod client-config [--json]`: what a client needs to connect, for a person or for a script.
import { loadConfig } from '../infra/config/index.js';
import { configuredServerKey } from '../infra/keys.js';
import { loadRsaKey } from '../mtproto/crypto/rsa.js';
import { describeClientConfig } from './client-snippets.js';
import type { CliIo } from './io.js';
import { clientConfig } from './server-info.js';

export async function clientConfigCommand(io: CliIo, opts: { json: boolean }): Promise<number> {
  const config = loadConfig({ env: io.env, cwd: io.cwd });
  // Creating the key here (as start would) means the printed key is the one echod will serve.
  const file = configuredServerKey(config);
  if (file.created) io.err(`created server key ${file.path}\n`);
  const info = clientConfig(config, loadRsaKey(file.privatePem));
  if (info.port === 0) io.err('note: the first TCP port is 0 (any free port); clients need the real one\n');
  io.out(opts.json ? `${JSON.stringify(info)}\n` : describeClientConfig(info, config.tcpPorts.slice(1)));
  return 0;
}
