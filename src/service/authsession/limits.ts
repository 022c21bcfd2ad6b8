// Every limit of sign-in in one place. Telegram does not publish its own; these are generous for people
// and tight enough that guessing a 5-digit code (100 000 values) is hopeless.

/** Digits in a login code. */
export const CODE_LENGTH = 5;
/** A code is good for this long after it is sent. */
export const CODE_TTL_MS = 5 * 60 * 1000;
/** Wrong codes a phone_code_hash survives; the next try answers PHONE_CODE_EXPIRED. */
export const MAX_CODE_ATTEMPTS = 5;
/** After the right code for a phone without an account, auth.signUp must follow within this time. */
export const SIGN_UP_WINDOW_MS = 10 * 60 * 1000;

/** The window every flood counter below counts in. */
export const FLOOD_WINDOW_MS = 60 * 60 * 1000;
/** auth.sendCode and auth.resendCode per phone number per window. */
export const SEND_CODE_PER_PHONE = 5;
/** auth.sendCode and auth.resendCode per client IP address per window. */
export const SEND_CODE_PER_IP = 30;
/** Wrong codes per phone number per window (two hashes' worth). */
export const WRONG_CODES_PER_PHONE = 10;
/** Wrong codes per client IP address per window. */
export const WRONG_CODES_PER_IP = 30;

/** A QR login token lives this long (auth.loginToken.expires). */
export const LOGIN_TOKEN_TTL_MS = 30 * 1000;
/** An accepted QR token waits this long for the new device to call auth.exportLoginToken again. */
export const LOGIN_TOKEN_ACCEPTED_TTL_MS = 2 * 60 * 1000;

/** account.setAuthorizationTTL: Telegram's default and bounds, in days. */
export const DEFAULT_AUTHORIZATION_TTL_DAYS = 180;
export const MIN_AUTHORIZATION_TTL_DAYS = 1;
export const MAX_AUTHORIZATION_TTL_DAYS = 366;

/** How often the server looks for devices the admin CLI signed out. */
export const REVOCATION_POLL_MS = 2000;

/** Names as users.first_name/last_name store them (migration 0002). */
export const MAX_NAME_LENGTH = 64;
