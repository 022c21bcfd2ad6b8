// The HTTP port (8801 by default): MTProto over HTTP at /api and /apiw1, and over WebSocket at
// /apiws (subprotocol "binary", the same byte stream as TCP inside binary frames). HTTPS/WSS when
// a certificate is configured.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { MtprotoConnection } from '../gateway/mtproto-connection.js';
import type { PacketRouter, RouterConnectionState } from '../gateway/packet-router.js';
import type { ConnectionRegistry } from '../gateway/connection-registry.js';
import { HttpExchange } from './http-exchange.js';
import { listenOn } from '../listen.js';
import type { ConnectionLimits, LimitedStream } from '../gateway/connection-limits.js';

const API_PATHS = new Set(['/api', '/apiw1', '/apiw', '/apiw_test', '/api_test']);
const WS_PATHS = new Set(['/apiws', '/apiws_test']);
/** Largest POST body accepted (an upload part of 512 KiB plus MTProto overhead fits easily). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** How long an HTTP request waits for something to send back (long poll). */
const LONG_POLL_MS = 25_000;

export interface HttpServerOptions {
  tls: { certFile: string; keyFile: string } | null;
  /** Connection caps (shared with the TCP gateway), slow-client deadlines and WebSocket back-pressure. */
  limits?: ConnectionLimits;
  /** Slow HTTP clients: headers must arrive within `headersMs`, the whole request within `requestMs`. */
  timeouts?: { headersMs: number; requestMs: number };
}

export class HttpServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });
  private readonly sockets = new Set<Socket>();
  private readonly handshakeStates = new WeakMap<Socket, RouterConnectionState>();
  private readonly limits?: ConnectionLimits;

  constructor(
    private readonly router: PacketRouter,
    private readonly connections: ConnectionRegistry,
    private readonly log: Logger,
    opts: HttpServerOptions,
  ) {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res);
    this.limits = opts.limits;
    // Node checks these every connectionsCheckingInterval; a trickled request cannot outlive them.
    const t = opts.timeouts;
    const timing = t ? { headersTimeout: t.headersMs, requestTimeout: Math.max(t.requestMs, t.headersMs), connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(t.headersMs / 2))) } : {};
    this.server = opts.tls
      ? createHttpsServer({ ...timing, cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) }, handler)
      : createHttpServer(timing, handler);
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
    this.server.on('connection', (socket: Socket) => {
      const remote = socket.remoteAddress ?? '';
      if (this.limits && !this.limits.admit(remote)) {
        socket.on('error', () => {});
        socket.resetAndDestroy();
        return;
      }
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.limits?.release(remote);
      });
    });
    this.server.on('clientError', (err, socket) => {
      this.log.debug({ err: err.message }, 'bad HTTP request');
      socket.destroy();
    });
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port);
  }

  /** Graceful shutdown, step one: no new connections; open WebSockets and keep-alive requests keep working. */
  stopAccepting(): void {
    if (this.server.listening) this.server.close();
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.end();
    const deadline = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, 2000);
    deadline.unref();
    await closed;
    clearTimeout(deadline);
  }

  private pathOf(req: IncomingMessage): string {
    return (req.url ?? '/').split('?')[0]!;
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (!WS_PATHS.has(this.pathOf(req))) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, req));
  }

  private onWebSocket(ws: WebSocket, req: IncomingMessage): void {
    const conn = new MtprotoConnection(
      {
        write: (data) => {
          ws.send(data);
          watch?.afterWrite();
        },
        end: () => ws.close(1000),
      },
      this.router,
      req.socket.remoteAddress ?? '',
      'ws',
      this.log,
      (c) => this.connections.remove(c),
    );
    this.connections.add(conn);
    const watch = this.limits?.watch(conn, webSocketStream(ws, req.socket));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        conn.close('text frame on a binary MTProto WebSocket');
        return;
      }
      conn.onBytes(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
    });
    ws.on('error', (err) => this.log.debug({ conn: conn.id, err: err.message }, 'websocket error'));
    ws.on('close', () => {
      watch?.stop();
      conn.peerClosed();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = this.pathOf(req);
    // Browser clients (Web K/A) call from other origins.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (!API_PATHS.has(path)) {
      const known = path === '/' ? 200 : 404;
      res.writeHead(known, { 'Content-Type': 'text/plain' }).end(known === 200 ? 'Echo MTProto server: POST /api, WebSocket /apiws\n' : 'not found\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        this.log.info({ remote: req.socket.remoteAddress, size }, 'HTTP body too large');
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      this.onPacket(req, res, Buffer.concat(chunks));
    });
  }

  private onPacket(req: IncomingMessage, res: ServerResponse, packet: Buffer): void {
    const socket = req.socket;
    let state = this.handshakeStates.get(socket);
    if (!state) this.handshakeStates.set(socket, (state = {}));
    if (packet.length < 24 || packet.length % 4 !== 0) {
      this.log.info({ remote: socket.remoteAddress, bytes: packet.length }, 'malformed MTProto-over-HTTP body');
      res.writeHead(400).end();
      return;
    }
    const exchange = new HttpExchange(res, socket.remoteAddress ?? '', LONG_POLL_MS, this.log);
    this.connections.add(exchange);
    exchange.onDone(() => this.connections.remove(exchange));
    this.router.route(exchange, state, packet, false).catch((err: Error) => {
      this.log.error({ err }, 'HTTP packet handling failed');
      exchange.close(`internal error: ${err.message}`);
    });
  }
}

/** A WebSocket (and the socket under it) as the connection limits drive it. */
function webSocketStream(ws: WebSocket, socket: Socket): LimitedStream {
  let onIdle: (() => void) | undefined;
  socket.on('timeout', () => onIdle?.());
  return {
    buffered: () => ws.bufferedAmount,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    onDrain: (listener) => socket.on('drain', listener),
    setIdleTimeout: (ms, listener) => {
      onIdle = listener;
      socket.setTimeout(ms);
    },
    destroy: () => ws.terminate(),
  };
}
