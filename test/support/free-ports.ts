// Free loopback ports: the OS picks them (bind to port 0), we release them and hand them out.
// Another process may take one in between; callers that spawn servers retry with fresh ports.
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** `count` distinct ports that were free on 127.0.0.1 a moment ago. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, LOOPBACK, () => {
            const address = server.address();
            if (address === null || typeof address === 'string') reject(new Error('no port bound'));
            else resolve(address.port);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
