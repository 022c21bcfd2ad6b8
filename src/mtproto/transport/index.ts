// The transport module's public surface.
export { ServerTransport, type Framing, type ServerTransportOptions, type TransportKind } from './server.js';
export { ClientTransport } from './client.js';
export { TransportError } from './errors.js';
export type { ClientCodec, CodecOptions, ServerMessage, TransportCodec, TransportFrame } from './codec.js';
export { DEFAULT_MAX_FRAME_LENGTH } from './codec.js';
export { AbridgedCodec, AbridgedClientCodec } from './abridged.js';
export { IntermediateCodec, IntermediateClientCodec } from './intermediate.js';
export { FullCodec, FullClientCodec } from './full.js';
