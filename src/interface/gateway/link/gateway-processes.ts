// ECHO_WORKERS > 0: the node's TCP listeners hand every accepted socket to one of N gateway processes, which
// do the per-byte work (framing, obfuscation, MTProto encryption) on the other cores; this process keeps the
// session layer, the handlers and the storage, and exchanges plaintext with the gateways (items.ts).
// Processes, not threads: Node 20 cannot pass a socket to a worker thread (and has no SO_REUSEPORT listener),
// while a socket handed to a child process once is read and written there without this process. A gateway
// that dies takes its connections with it (clients reconnect, their sessions and updates wait here) and is
// started again.
import { fork, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { RoundRobin } from '../../../common/round-robin.js';
import { listenTcp, refuseSocket } from '../../listen.js';
import type { ConnectionLimits, ConnectionLimitsConfig } from '../connection-limits.js';
import { allocateConnectionId } from '../mtproto-connection.js';
import { GatewayLinkEnd, type GatewayLinkDeps } from './gateway-link-end.js';
import { ItemBatcher } from './item-batcher.js';
import { batchBuffer, decodeItems, encodeItems } from './item-codec.js';
import type { CoreItem, FromGatewayProcess, ToGatewayProcess } from './items.js';

const GATEWAY_PROCESS_URL = new URL('./gateway-process.js', import.meta.url);
/** A gateway that exits sooner than this after its start is restarted after a pause, not at once. */
const RESTART_BACKOFF_MS = 1000;

export interface GatewayProcessesOptions extends GatewayLinkDeps {
  count: number;
  /** Admission (per address, in all) is counted here; the gateways run the deadlines and back-pressure. */
  limits?: ConnectionLimits;
  limitsConfig?: ConnectionLimitsConfig;
  logLevel: string;
}

/** One gateway process and the connections it holds. */
class GatewayChild {
  readonly toGateway: ItemBatcher<CoreItem>;
  readonly link: GatewayLinkEnd;
  ready = false;

  constructor(
    readonly index: number,
    readonly process: ChildProcess,
    deps: GatewayLinkDeps,
    limits: ConnectionLimits | undefined,
  ) {
    this.toGateway = new ItemBatcher<CoreItem>((items) => this.send({ t: 'items', batch: encodeItems(items) }));
    // This process admitted the socket (per address, in all): it counts it no more once it is gone.
    this.link = new GatewayLinkEnd(deps, (item) => this.toGateway.post(item), (conn) => limits?.release(conn.remoteAddress));
  }

  /**
   * False when the message cannot go (the channel is closed). ChildProcess.send's own false only says that
   * messages are queued in this process: they still go, so it is no failure here.
   */
  send(message: ToGatewayProcess, socket?: Socket): boolean {
    if (!this.process.connected) return false;
    try {
      if (socket) this.process.send(message, socket);
      else this.process.send(message);
      return true;
    } catch {
      return false;
    }
  }
}

export class GatewayProcesses {
  private readonly children: (GatewayChild | undefined)[] = [];
  private readonly servers: Server[] = [];
  private readonly turns = new RoundRobin(() => this.children);
  private closing = false;

  constructor(private readonly opts: GatewayProcessesOptions) {}

  /** Starts the gateway processes; resolves once every one is ready to take sockets. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.opts.count }, (_, i) => this.spawn(i)));
  }

  /** Listens on every port; accepted sockets go to the gateways unread. */
  async listen(host: string, ports: number[]): Promise<number[]> {
    const { servers, ports: bound } = await listenTcp(host, ports, { pauseOnConnect: true }, (socket) => this.accept(socket), this.opts.log);
    this.servers.push(...servers);
    return bound;
  }

  get pids(): number[] {
    return this.children.flatMap((c) => (c?.process.pid !== undefined ? [c.process.pid] : []));
  }

  stopAccepting(): void {
    for (const s of this.servers) if (s.listening) s.close();
  }

  /** Stops accepting, ends every socket (the gateways flush first) and waits for the gateways to exit. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopAccepting();
    const exits = this.children.map((child) => {
      if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
      child.toGateway.flush();
      if (!child.send({ t: 'shutdown' })) child.process.kill('SIGKILL');
      return exited;
    });
    await Promise.all(exits);
  }

  private spawn(index: number): Promise<void> {
    const startedAt = Date.now();
    const child = new GatewayChild(index, fork(GATEWAY_PROCESS_URL, [], { serialization: 'advanced', stdio: 'inherit' }), this.opts, this.opts.limits);
    this.children[index] = child;
    const { log } = this.opts;
    const ready = new Promise<void>((resolve, reject) => {
      child.process.on('message', (message: FromGatewayProcess) => {
        if (message.t === 'items') child.link.received(decodeItems(batchBuffer(message.batch)));
        else if (message.t === 'ready') {
          child.ready = true;
          resolve();
        }
      });
      child.process.once('exit', (code, signal) => {
        reject(new Error(`gateway process ${index} exited before it was ready (code ${code}, signal ${signal})`));
        this.exited(child, code, signal, startedAt);
      });
      child.process.on('error', (err) => log.error({ gateway: index, err: err.message }, 'gateway process error'));
    });
    child.send({ t: 'setup', setup: { index, logLevel: this.opts.logLevel, ...(this.opts.limitsConfig ? { limits: this.opts.limitsConfig } : {}) } });
    return ready;
  }

  private exited(child: GatewayChild, code: number | null, signal: string | null, startedAt: number): void {
    if (this.children[child.index] === child) this.children[child.index] = undefined;
    child.link.releaseAll();
    if (this.closing) return;
    this.opts.log.error({ gateway: child.index, code, signal }, 'gateway process exited; its connections were dropped; starting another');
    const delay = Date.now() - startedAt < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0;
    setTimeout(() => {
      if (!this.closing) this.spawn(child.index).catch((err: Error) => this.opts.log.error({ gateway: child.index, err: err.message }, 'gateway process restart failed'));
    }, delay).unref();
  }

  private accept(socket: Socket): void {
    const remote = socket.remoteAddress ?? '';
    const { limits } = this.opts;
    const child = this.turns.pick((c) => c.ready && c.process.connected);
    if (!child || (limits && !limits.admit(remote))) {
      refuseSocket(socket);
      return;
    }
    const id = allocateConnectionId();
    child.link.open(id, remote, id);
    // The handle leaves this process with the message (keepOpen false): from here on only the gateway has it.
    if (!child.send({ t: 'socket', conn: id }, socket)) {
      socket.destroy();
      child.link.release(id);
    }
  }
}
