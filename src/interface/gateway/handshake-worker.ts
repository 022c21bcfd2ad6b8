// Entry point of a HandshakePool thread (handshake-runner.ts); the behaviour is in handshake-thread.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { handshakeThread } from './handshake-thread.js';
import type { PoolRequest, PoolWorkerData } from './handshake-runner.js';

const handle = handshakeThread(workerData as PoolWorkerData);
parentPort!.on('message', (msg: PoolRequest) => {
  const answer = handle(msg);
  if (answer) parentPort!.postMessage(answer);
});
