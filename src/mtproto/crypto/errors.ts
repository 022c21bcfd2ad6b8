/** A cryptographic check failed (bad msg_key, bad padding, unknown obfuscation tag, bad key material). */
export class CryptoError extends Error {
  override name = 'CryptoError';
}

/** Injected randomness (sans-IO): returns `n` cryptographically random bytes. */
export type RandomFn = (n: number) => Buffer;
