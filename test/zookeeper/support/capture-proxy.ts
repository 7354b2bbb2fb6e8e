// A loopback TCP proxy that forwards to a server and records every frame in both directions, so a
// test can drive a real client through it and look at exactly the bytes each side wrote. Frames
// are cut with the same FrameDecoder the server uses, per connection and per direction.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { FrameDecoder } from '../../../zookeeper/jute/index.js';
import { LOOPBACK } from '../../support/free-ports.js';

export type Direction = 'client-to-server' | 'server-to-client';

export interface CapturedFrame {
  /** Which of the proxied connections (0, 1, … in the order clients connected). */
  readonly connection: number;
  readonly direction: Direction;
  /** The frame's body, without its 4-byte length. */
  readonly body: Buffer;
}

export interface CaptureProxy {
  readonly port: number;
  readonly frames: readonly CapturedFrame[];
  /** Cuts every open connection, as a network fault would: clients reconnect through the proxy. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startCaptureProxy(targetPort: number): Promise<CaptureProxy> {
  const frames: CapturedFrame[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    const connection = connections++;
    const upstream = connect({ host: LOOPBACK, port: targetPort });
    open.add(client);
    open.add(upstream);
    const record = (direction: Direction, decoder: FrameDecoder) => (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) frames.push({ connection, direction, body });
    };
    const up = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    const down = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    client.on('data', (chunk: Buffer) => {
      record('client-to-server', up)(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      record('server-to-client', down)(chunk);
      client.write(chunk);
    });
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('proxy bound no port'));
      else resolve(address.port);
    });
  });
  return {
    port,
    frames,
    dropConnections() {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
