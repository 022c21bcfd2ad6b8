// @mtcute/wasm (AES-IGE, SHA-256 in WebAssembly), compiled synchronously once when first imported, so callers
// never see an async init step.
import { readFileSync } from 'node:fs';
import { getWasmUrl, initSync } from '@mtcute/wasm';

initSync(readFileSync(getWasmUrl()));

export { ige256Decrypt, ige256Encrypt, sha256 as wasmSha256 } from '@mtcute/wasm';
