// A handshake pool thread that can be made to crash the way a real fault would (an uncaught exception):
// a step with an empty body throws; every other message gets the real thread's answer.
import { parentPort, workerData } from 'node:worker_threads';
import { handshakeThread } from '../../../src/interface/gateway/handshake-thread.js';
import type { PoolRequest, PoolWorkerData } from '../../../src/interface/gateway/handshake-runner.js';

const handle = handshakeThread(workerData as PoolWorkerData);
parentPort!.on('message', (msg: PoolRequest) => {
  if (msg.kind === 'step' && msg.body.length === 0) throw new Error('simulated handshake worker fault');
  const answer = handle(msg);
  if (answer) parentPort!.postMessage(answer);
});
