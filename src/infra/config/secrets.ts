// Passwords that protect nothing: an engine reachable from other machines must not run with an empty
// password, and the example password published with the seed's deployment files (and MinIO's own
// default) is the first one an attacker tries, wherever the engine runs.
import { isIP } from 'node:net';

/** Known example or factory passwords, refused for every engine. */
export const PUBLISHED_PASSWORDS: ReadonlySet<string> = new Set(['my_root_secret', 'minioadmin']);

/** Whether a host name or address can only be reached from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/** The host of an S3 endpoint URL (http://host:port/...). */
export function endpointHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * Why `password` is unfit for an engine on `hosts`, or null. `what` names the engine in the answer
 * ("the MySQL host db.internal").
 */
export function passwordProblem(password: string | undefined, hosts: readonly string[], what: string): string | null {
  if (password !== undefined && PUBLISHED_PASSWORDS.has(password.trim()))
    return `"${password.trim()}" is a published example password; choose your own (e.g. openssl rand -hex 24)`;
  if (password === undefined || password === '') {
    const remote = hosts.find((h) => !isLoopback(h));
    if (remote !== undefined) return `empty, but ${what} ${remote} is not on loopback; set a password`;
  }
  return null;
}
