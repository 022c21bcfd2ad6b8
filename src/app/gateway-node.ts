// A gateway node (ECHO_ROLE=gateway): client TCP connections only. It accepts sockets, runs the connection
// limits, framing, obfuscation and MTProto encryption, and passes plaintext to the core nodes it is linked to
// (ECHO_CORE_LINKS), each connection to one core, round robin over the links that are up. It has no database,
// no server key and no sessions: the cores run handshakes and everything after. A core that goes away drops
// the connections it carried (their clients reconnect and land on a core that lives); its link is retried.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { createRandomPool } from '../common/random-pool.js';
import type { EchoConfig, HostPort } from '../infra/config/index.js';
import { componentLogger } from '../infra/log.js';
import { Metrics } from '../infra/metrics/index.js';
import { AdminServer } from '../interface/admin/admin-server.js';
import { ConnectionLimits, connectionLimitsConfig } from '../interface/gateway/connection-limits.js';
import { GatewayEdge } from '../interface/gateway/link/gateway-edge.js';
import { batchBuffer, decodeItems, encodeItems } from '../interface/gateway/link/item-codec.js';
import type { CoreItem } from '../interface/gateway/link/items.js';
import { FramedLink, linkAnswer, MAX_LINK_MESSAGE_BYTES, type CoreLinkMessage, type GatewayLinkMessage } from '../interface/gateway/link/stream-link.js';
import { RoundRobin } from '../common/round-robin.js';
import { listenTcp, refuseSocket } from '../interface/listen.js';

/** Pause before a lost or refused core link is tried again. */
const RELINK_DELAY_MS = 1000;
const SHUTDOWN_GRACE_MS = 2000;

export interface RunningGateway {
  tcpPorts: number[];
  adminPort: number;
  close(): Promise<void>;
}

/** One core link: connected, authenticated, then carrying an edge's items until it breaks. */
class CoreLink {
  edge?: GatewayEdge;
  private socket?: Socket;
  private closed = false;

  constructor(
    private readonly core: HostPort,
    private readonly node: string,
    private readonly secret: string | null,
    private readonly makeEdge: (send: (message: GatewayLinkMessage) => void) => GatewayEdge,
    private readonly log: Logger,
  ) {}

  get up(): boolean {
    return this.edge !== undefined;
  }

  start(): void {
    if (this.closed) return;
    const where = `${this.core.host}:${this.core.port}`;
    const socket = connect(this.core.port, this.core.host);
    this.socket = socket;
    const framed = new FramedLink<CoreLinkMessage, GatewayLinkMessage>(
      socket,
      (message) => {
        if (message.t === 'challenge') {
          framed.send({ t: 'answer', mac: this.secret === null ? Buffer.alloc(0) : linkAnswer(this.secret, Buffer.from(message.nonce)), node: this.node });
        } else if (message.t === 'welcome') {
          framed.maxMessageBytes = MAX_LINK_MESSAGE_BYTES;
          // A core that hangs or is cut off sends no FIN: its silence ends the link (and its connections).
          framed.keepAlive((silentMs) => this.log.warn({ core: where, silentMs }, 'core link silent; closing it'));
          this.edge = this.makeEdge((m) => framed.send(m));
          this.log.info({ core: where }, 'linked to core');
        } else if (message.t === 'items') {
          if (!this.edge) return;
          let items;
          try {
            items = decodeItems<CoreItem>(batchBuffer(message.batch));
          } catch (err) {
            this.log.warn({ core: where, err: (err as Error).message }, 'core link sent a malformed batch; closing it');
            socket.destroy();
            return;
          }
          this.edge.apply(items);
        }
      },
      (err) => this.log.warn({ core: where, err: err.message }, 'core link broken'),
    );
    socket.on('error', (err) => this.log.debug({ core: where, err: err.message }, 'core link socket error'));
    socket.on('close', () => {
      const edge = this.edge;
      this.edge = undefined;
      if (edge && this.closed) {
        this.log.info({ core: where }, 'core link closed (shutting down)');
      } else if (edge) {
        this.log.warn({ core: where, connections: edge.size }, 'core link lost; its connections are dropped');
        edge.dropAll();
      }
      if (!this.closed) setTimeout(() => this.start(), RELINK_DELAY_MS).unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.edge?.endAll(SHUTDOWN_GRACE_MS);
    this.socket?.end();
  }
}

export async function startGatewayNode(config: EchoConfig, logger: Logger, metrics = new Metrics({ dbEngine: 'none', version: 'gateway' })): Promise<RunningGateway> {
  const log = componentLogger(logger, 'gateway');
  const random = createRandomPool();
  const node = `${process.pid}@${config.host}`;
  const limits = new ConnectionLimits(config.limits, { isSignedIn: () => false, metrics, log });
  const links = config.links.cores.map(
    (core) =>
      new CoreLink(
        core,
        node,
        config.links.secret,
        (send) => new GatewayEdge({ send: (items) => send({ t: 'items', batch: encodeItems(items) }), log, random, limits: connectionLimitsConfig(config.limits), onSocketClosed: (remote) => limits.release(remote) }),
        log,
      ),
  );
  for (const link of links) link.start();

  let nextId = 1;
  const turns = new RoundRobin(() => links);
  const accept = (socket: Socket) => {
    const edge = turns.pick((link) => link.up)?.edge;
    if (!edge || !limits.admit(socket.remoteAddress ?? '')) {
      refuseSocket(socket);
      return;
    }
    edge.accept(socket, nextId++, true);
  };
  const { servers, ports: tcpPorts } = await listenTcp(config.listen, config.tcpPorts, {}, accept, log);

  let accepting = true;
  const admin = new AdminServer({
    metrics,
    token: config.adminToken,
    log: componentLogger(logger, 'admin'),
    async readiness() {
      const reasons: string[] = [];
      if (!accepting) reasons.push('shutting down');
      if (!links.some((l) => l.up)) reasons.push('no core linked');
      return reasons;
    },
  });
  const adminPort = await admin.listen(config.adminListen.host, config.adminListen.port);

  return {
    tcpPorts,
    adminPort,
    async close() {
      accepting = false;
      for (const s of servers) if (s.listening) s.close();
      await Promise.all(links.map((l) => l.close()));
      await admin.close();
    },
  };
}
