// A core node's listener for remote gateway nodes (ECHO_ROLE=core or all, with ECHO_GATEWAY_LINK_LISTEN): each
// accepted link proves it knows the link secret, then carries the items of the client connections that
// gateway assigned to this core. A link that goes takes its connections with it: their clients reconnect
// (through a gateway, to a core that lives) and find their sessions' durable state in the shared stores.
import { createServer, type Server, type Socket } from 'node:net';
import { listenOn } from '../../listen.js';
import { GatewayLinkEnd, type GatewayLinkDeps } from './gateway-link-end.js';
import { ItemBatcher } from './item-batcher.js';
import type { CoreItem, GatewayItem } from './items.js';
import { batchBuffer, decodeItems, encodeItems } from './item-codec.js';
import { FramedLink, linkAnswerValid, linkChallenge, MAX_LINK_MESSAGE_BYTES, type CoreLinkMessage, type GatewayLinkMessage } from './stream-link.js';

/** A peer that has not answered the challenge by then is dropped. */
const AUTH_DEADLINE_MS = 5000;

export interface LinkServerOptions extends GatewayLinkDeps {
  /** The shared link secret; null only on a loopback listener (configuration enforces it). */
  secret: string | null;
}

export class GatewayLinkServer {
  private server?: Server;
  private readonly links = new Set<{ socket: Socket; end?: GatewayLinkEnd }>();

  constructor(private readonly opts: LinkServerOptions) {}

  /** Resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    server.on('error', (err) => this.opts.log.error({ err }, 'gateway link listener error'));
    this.server = server;
    return listenOn(server, host, port);
  }

  stopAccepting(): void {
    if (this.server?.listening) this.server.close();
  }

  /** Closes every link (their connections are released) and the listener. */
  async close(): Promise<void> {
    this.stopAccepting();
    for (const link of this.links) link.socket.destroy();
  }

  private accept(socket: Socket): void {
    const { log } = this.opts;
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const link: { socket: Socket; end?: GatewayLinkEnd } = { socket };
    this.links.add(link);
    const nonce = linkChallenge();
    let batcher: ItemBatcher<CoreItem> | undefined;
    const framed = new FramedLink<GatewayLinkMessage, CoreLinkMessage>(
      socket,
      (message) => {
        if (link.end) {
          if (message.t !== 'items') return;
          let items;
          try {
            items = decodeItems<GatewayItem>(batchBuffer(message.batch));
          } catch (err) {
            log.warn({ remote, err: (err as Error).message }, 'gateway link sent a malformed batch; closing it');
            socket.destroy();
            return;
          }
          link.end.received(items);
          return;
        }
        if (message.t !== 'answer' || !(this.opts.secret === null || linkAnswerValid(this.opts.secret, nonce, message.mac))) {
          log.warn({ remote }, 'gateway link refused: wrong or missing answer to the challenge');
          socket.destroy();
          return;
        }
        clearTimeout(deadline);
        framed.maxMessageBytes = MAX_LINK_MESSAGE_BYTES;
        batcher = new ItemBatcher<CoreItem>((items) => framed.send({ t: 'items', batch: encodeItems(items) }));
        const out = batcher;
        link.end = new GatewayLinkEnd(this.opts, (item) => out.post(item));
        framed.send({ t: 'welcome' });
        framed.keepAlive((silentMs) => log.warn({ remote, silentMs }, 'gateway link silent; closing it'));
        log.info({ remote, gatewayNode: String(message.node) }, 'gateway linked');
      },
      (err) => log.warn({ remote, err: err.message }, 'gateway link broken'),
    );
    const deadline = setTimeout(() => {
      if (!link.end) {
        log.warn({ remote }, 'gateway link refused: no answer to the challenge in time');
        socket.destroy();
      }
    }, AUTH_DEADLINE_MS);
    deadline.unref();
    socket.on('error', (err) => log.debug({ remote, err: err.message }, 'gateway link socket error'));
    socket.on('close', () => {
      clearTimeout(deadline);
      this.links.delete(link);
      if (link.end) {
        log.warn({ remote, connections: link.end.size }, 'gateway link closed; its connections are gone');
        link.end.releaseAll();
      }
    });
    framed.send({ t: 'challenge', nonce });
  }
}
