// A TCP load balancer in front of echod nodes (engines tests), as an operator's HAProxy would be.
import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP load balancer in front of the nodes, as an operator's HAProxy would be: each new connection goes to the
 * first backend that accepts it, in the order given, so a client keeps one address while nodes come and go.
 */
export async function loadBalancer(backends: () => number[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    const tryNext = (ports: number[]) => {
      const port = ports[0];
      if (port === undefined) return client.destroy();
      const upstream = connect({ host: '127.0.0.1', port });
      upstream.once('error', () => tryNext(ports.slice(1)));
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.removeAllListeners('error');
        const end = () => (client.destroy(), upstream.destroy());
        upstream.on('error', end).on('close', end);
        client.on('error', end).on('close', end);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryNext(backends());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
