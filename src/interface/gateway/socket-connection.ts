// One accepted TCP socket made an MtprotoConnection: corked writes, the connection limits' watch, the events.
// Used where the socket lives: the node's own TCP listener, or a gateway process the socket was handed to.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { MtprotoConnection, type PacketSink } from './mtproto-connection.js';
import type { ConnectionLimits, LimitedStream } from './connection-limits.js';

/** Without limits (unit set-ups): a socket that stays silent this long is closed. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export interface SocketConnectionOptions {
  router: PacketSink;
  log: Logger;
  limits?: ConnectionLimits;
  /** Called once, when the connection is gone (closed by either side). */
  onClosed: (conn: MtprotoConnection) => void;
  /** The id to use (a gateway process uses the one its core allocated). */
  id?: number;
}

export function connectSocket(socket: Socket, opts: SocketConnectionOptions): MtprotoConnection {
  const remote = socket.remoteAddress ?? '';
  // Writes of one event-loop turn (a container and a push, say) leave in one syscall.
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  const write = (data: Buffer) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(data);
    watch?.afterWrite();
  };
  const conn = new MtprotoConnection({ write, end: () => socket.end() }, opts.router, remote, 'tcp', opts.log, opts.onClosed, opts.id);
  const watch = opts.limits?.watch(conn, socketStream(socket));
  if (!watch) socket.setTimeout(IDLE_TIMEOUT_MS, () => conn.close('idle timeout'));
  socket.on('data', (chunk: Buffer) => conn.onBytes(chunk));
  socket.on('error', (err) => opts.log.debug({ conn: conn.id, err: err.message }, 'socket error'));
  socket.on('close', () => {
    watch?.stop();
    conn.peerClosed();
  });
  return conn;
}

/** A TCP socket as the connection limits drive it. */
export function socketStream(socket: Socket): LimitedStream {
  let onIdle: (() => void) | undefined;
  socket.on('timeout', () => onIdle?.());
  return {
    buffered: () => socket.writableLength,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    onDrain: (listener) => socket.on('drain', listener),
    setIdleTimeout: (ms, listener) => {
      onIdle = listener;
      socket.setTimeout(ms);
    },
    destroy: () => socket.destroy(),
  };
}
