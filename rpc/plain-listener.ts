// An http listen URL: a TCP listener that hands each connection to its sink as it comes.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { ConnectionSink } from './connection-sink.js';
import { listenHost, splitAddress } from './listen-address.js';

export class PlainListener {
  private closed = false;
  private boundPort = 0;

  private constructor(
    private readonly tcp: NetServer,
    private readonly sink: ConnectionSink,
  ) {}

  /** Binds "host:port" (port 0 picks a free one) and starts handing connections to `sink`. */
  static async listen(address: string, sink: ConnectionSink): Promise<PlainListener> {
    // Small gRPC frames (a put) must leave at once: Nagle would hold each back behind the last one's ack.
    const tcp = createServer({ noDelay: true });
    const listener = new PlainListener(tcp, sink);
    tcp.on('connection', (socket: Socket) => listener.accept(socket));
    const { host: name, port } = splitAddress(address);
    const host = await listenHost(name);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    const bound = tcp.address();
    listener.boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
    return listener;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Stops accepting. Connections already handed on are their servers' to end (see SecureListener.close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tcp.close();
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // A client that resets its connection must not bring the member down.
    socket.on('error', () => undefined);
    this.sink.accept(socket, false);
  }
}
