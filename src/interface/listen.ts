// Binding a listener: a failure to bind (port in use, bad address) rejects instead of surfacing later as
// an 'error' event, and port 0 resolves to the port the system picked.
import { createServer, type Server, type ServerOpts, type Socket } from 'node:net';
import type { Logger } from 'pino';

export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** One TCP server per port, each handing accepted sockets to `onSocket`; resolves with the servers and bound ports. */
export async function listenTcp(
  host: string,
  ports: number[],
  options: ServerOpts,
  onSocket: (socket: Socket) => void,
  log: Logger,
): Promise<{ servers: Server[]; ports: number[] }> {
  const servers: Server[] = [];
  const bound: number[] = [];
  for (const port of ports) {
    const server = createServer(options, onSocket);
    server.on('error', (err) => log.error({ err }, 'TCP listener error'));
    bound.push(await listenOn(server, host, port));
    servers.push(server);
  }
  return { servers, ports: bound };
}

/** Refuses an accepted socket at once: a reset, no byte read, nothing allocated for it. */
export function refuseSocket(socket: Socket): void {
  socket.on('error', () => {});
  socket.resetAndDestroy();
}
