// What engine tests share: the engines' addresses from the environment (printed by scripts/engines.sh up).
// A missing variable fails the test: engine tests never skip.

export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: start the engines (eval "$(scripts/engines.sh up)") before npm run test:engines`);
  return v;
}

export function kafkaBrokers(): string[] {
  return requireEnv('KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean);
}

export { freePort } from '../support/ports.js';
