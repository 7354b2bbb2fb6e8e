// Which protocol a client speaks on a plaintext connection (or a TLS one that named none in ALPN),
// told from its first bytes: an HTTP/2 client (gRPC) opens with the connection preface, an HTTP/1.1
// client (the JSON gateway's) with a request line. Both speak first, so nothing is sent before.
// The bytes read to decide are pushed back into the socket, for whoever takes it next to read.
import type { Socket } from 'node:net';

export type WireProtocol = 'h2' | 'http/1.1';

/** RFC 9113 §3.4: what every HTTP/2 client sends first. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** The protocol these first bytes open, or undefined while they are too few to tell. */
export function classifyOpening(bytes: Uint8Array): WireProtocol | undefined {
  const n = Math.min(bytes.length, PREFACE.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== PREFACE[i]) return 'http/1.1';
  return n === PREFACE.length ? 'h2' : undefined;
}

/**
 * Reads from `socket` until its opening tells the protocol, puts what it read back, and calls
 * `decided` with it; calls `failed` instead if the client sends nothing telling within `timeoutMs`
 * or goes away. The socket is left paused, as it came.
 */
export function sniffProtocol(socket: Socket, timeoutMs: number, decided: (protocol: WireProtocol) => void, failed: () => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const done = (): void => {
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onGone);
    socket.off('close', onGone);
  };
  const onGone = (): void => {
    done();
    failed();
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const protocol = classifyOpening(seen);
    if (protocol === undefined) return;
    done();
    // Back at the front of the socket's buffer: HTTP/2 and the HTTP/1.1 parser both read it from there.
    socket.unshift(seen);
    decided(protocol);
  };
  const timer = setTimeout(onGone, timeoutMs);
  socket.on('readable', onReadable);
  socket.once('end', onGone);
  socket.once('close', onGone);
}
