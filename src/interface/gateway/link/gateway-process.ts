// A local gateway process (ECHO_WORKERS): the node's main process accepts each client socket and hands it here,
// once; from then on this process reads and writes it: transport framing, obfuscation, MTProto encryption, the
// connection limits' deadlines and back-pressure. What it decrypts goes to the core as plaintext over the IPC
// channel, one batch per event-loop turn; what the core sends comes back the same way to be encrypted here.
// It holds no database, no session and no user: if it dies, its connections drop and their clients reconnect.
import type { Socket } from 'node:net';
import { createRandomPool } from '../../../common/random-pool.js';
import { createLogger, componentLogger } from '../../../infra/log.js';
import type { LogLevel } from '../../../infra/config/index.js';
import { GatewayEdge } from './gateway-edge.js';
import { batchBuffer, decodeItems, encodeItems } from './item-codec.js';
import type { FromGatewayProcess, GatewaySetup, ToGatewayProcess } from './items.js';

/** After `shutdown`, sockets still open this long are dropped. */
const SHUTDOWN_GRACE_MS = 2000;

function send(message: FromGatewayProcess): void {
  if (process.connected) process.send!(message);
}

function run(setup: GatewaySetup): void {
  const log = componentLogger(createLogger(setup.logLevel as LogLevel), 'gateway', { gateway: setup.index });
  const edge = new GatewayEdge({ send: (items) => send({ t: 'items', batch: encodeItems(items) }), log, random: createRandomPool(), ...(setup.limits ? { limits: setup.limits } : {}) });
  process.on('message', (message: ToGatewayProcess, handle?: Socket) => {
    switch (message.t) {
      case 'socket':
        if (handle) edge.accept(handle, message.conn, false);
        break;
      case 'items':
        edge.apply(decodeItems(batchBuffer(message.batch)));
        break;
      case 'shutdown':
        void edge.endAll(SHUTDOWN_GRACE_MS).then(() => process.exit(0));
        break;
    }
  });
  log.info({ pid: process.pid }, 'gateway process ready');
  send({ t: 'ready' });
}

// Without its core a gateway has nothing to do: the parent's exit (or crash) ends it.
process.on('disconnect', () => process.exit(0));
process.once('message', (message: ToGatewayProcess) => {
  if (message.t !== 'setup') throw new Error(`gateway process: expected setup first, got ${message.t}`);
  run(message.setup);
});
