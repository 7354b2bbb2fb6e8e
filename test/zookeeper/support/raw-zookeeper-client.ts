// A bare ZooKeeper client over one socket: sends frames as given and collects whole frames back,
// for the tests that need bytes no real client library sends (an old client's handshake, an op
// code ZooKeeper does not know).
import { connect, type Socket } from 'node:net';
import { FrameDecoder, encodeFrame } from '../../../zookeeper/jute/index.js';
import { LOOPBACK } from '../../support/free-ports.js';

export interface RawClient {
  send(body: Uint8Array): void;
  /** The next frame body from the server; rejects if the server closes the connection first. */
  next(timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket: Socket = connect({ host: LOOPBACK, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  const waiters: ((frame: Buffer | Error) => void)[] = [];
  let ended = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      ended = true;
      for (const w of waiters.splice(0)) w(new Error('the server closed the connection'));
      resolve();
    }),
  );
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    }
  });
  return {
    send: (body) => void socket.write(encodeFrame(body)),
    next: (timeoutMs = 10_000) => {
      const ready = frames.shift();
      if (ready) return Promise.resolve(ready);
      if (ended) return Promise.reject(new Error('the server closed the connection'));
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((f) => {
          clearTimeout(timer);
          if (f instanceof Error) reject(f);
          else resolve(f);
        });
      });
    },
    closed,
    close: () => socket.destroy(),
  };
}
