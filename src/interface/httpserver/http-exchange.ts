// One MTProto-over-HTTP request (core.telegram.org/mtproto/transports#http): the response carries the
// first packet the server has for the client, or nothing when the long poll runs out.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConnectionHandle } from '../session/connection.js';

let nextExchangeId = 1_000_000_000;

export class HttpExchange implements ConnectionHandle {
  readonly id = nextExchangeId++;
  readonly transport = 'http';
  readonly ephemeral = true;
  closed = false;
  private readonly timer: NodeJS.Timeout;
  private doneHandlers: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    readonly remoteAddress: string,
    waitMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setTimeout(() => this.finish(200, Buffer.alloc(0)), waitMs);
    this.timer.unref();
    res.on('close', () => this.finish(0, undefined));
  }

  onDone(handler: () => void): void {
    this.doneHandlers.push(handler);
  }

  sendPacket(packet: Buffer): void {
    this.finish(200, packet);
  }

  // HTTP has no quick acks: the response itself acknowledges.
  sendQuickAck(): void {}

  failWithTransportError(code: number, reason: string): void {
    // Over HTTP a transport error is the HTTP status (404 for an unknown key, 429 for flood).
    this.log.info({ conn: this.id, code, reason }, 'HTTP exchange failed');
    this.finish(Math.abs(code), Buffer.alloc(0));
  }

  close(reason: string): void {
    this.log.info({ conn: this.id, reason }, 'HTTP exchange closed by server');
    this.finish(400, Buffer.alloc(0));
  }

  // The long poll is bounded by the HTTP timeout; ping_delay_disconnect has nothing to close.
  setPingDisconnect(): void {}

  private finish(status: number, body: Buffer | undefined): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    if (body !== undefined && !this.res.writableEnded) {
      this.res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(body);
    }
    for (const handler of this.doneHandlers) handler();
    this.doneHandlers = [];
  }
}
