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

/**
 * The first of `count` consecutive ports that were free on 127.0.0.1 a moment ago, for a program
 * that takes a base port and counts up from it. Below Linux's ephemeral range (32768…), and never
 * one of etcd's local-cluster ports (x2379, x2380), which someone may be using.
 */
export async function freePortRange(count: number): Promise<number> {
  const tryBind = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, LOOPBACK, () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => p % 10_000 === 2379 || p % 10_000 === 2380)) continue;
    let ok = true;
    for (const p of ports) if (!(ok = await tryBind(p))) break;
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}
