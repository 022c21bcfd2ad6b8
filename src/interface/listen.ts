// Binding a listener: a failure to bind (port in use, bad address) rejects instead of surfacing later as
// an 'error' event, and port 0 resolves to the port the system picked.
import type { Server } from 'node:net';

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
