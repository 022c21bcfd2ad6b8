// Auth key creation, sans-IO: the server state machine and a client counterpart for tests and load generation.
export {
  DEFAULT_MAX_TEMP_KEY_LIFETIME,
  ServerHandshake,
  type CreatedAuthKey,
  type HandshakeStep,
  type InnerDataVariant,
  type ServerHandshakeOptions,
} from './server-handshake.js';
export { ClientHandshake, isGoodDhPrime, type ClientAuthKey, type ClientHandshakeOptions, type ClientStep } from './client-handshake.js';
export {
  authKeyAuxHash,
  bigIntToBytes,
  bytesToBigInt,
  decryptWithHash,
  encryptWithHash,
  initialServerSalt,
  newNonceHash,
  retryIdOf,
  tmpAesKeyIv,
  type TmpAesKeyIv,
} from './handshake-crypto.js';
