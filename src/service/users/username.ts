// Username syntax (core.telegram.org/method/account.checkUsername): 5-32 characters of A-z, 0-9 and
// underscores, starting with a letter; like the apps, no trailing or doubled underscore.
const USERNAME_RE = /^[a-zA-Z](?:[a-zA-Z0-9]|_(?!_))*$/;

export const USERNAME_MIN = 5;
export const USERNAME_MAX = 32;

export function isValidUsername(username: string): boolean {
  return username.length >= USERNAME_MIN && username.length <= USERNAME_MAX && USERNAME_RE.test(username) && !username.endsWith('_');
}

/** What contacts.resolveUsername accepts: links carry names as typed, with an optional leading '@'. */
export function normalizeUsernameQuery(query: string): string {
  return query.startsWith('@') ? query.slice(1) : query;
}
