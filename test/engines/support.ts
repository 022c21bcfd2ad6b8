// What engine tests share: the engines' addresses from the environment (printed by scripts/engines.sh up).
// A missing variable fails the test: engine tests never skip.
import { createServer } from 'node:net';

export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: start the engines (eval "$(scripts/engines.sh up)") before npm run test:engines`);
  return v;
}

export function kafkaBrokers(): string[] {
  return requireEnv('KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean);
}

/** A loopback port nobody listens on right now, for a server of a test's own. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}
