// The DNS listeners: each address serves UDP (one datagram per query) and TCP (queries and replies
// each behind a 2-byte length, several per connection, RFC 1035 4.2.2 / RFC 7766). Every message
// goes through wire.ts; nothing a client sends stops the server.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from 'pino';
import type { DnsListenAddress } from './listen-address.js';
import { respond, type QuestionHandler } from './wire.js';

/** A TCP connection with no query for this long is closed (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
/** How often a port-0 address looks for a port free for both UDP and TCP. */
const PORT_ATTEMPTS = 20;

interface Listener {
  readonly udp: Socket;
  readonly tcp: Server;
  readonly port: number;
}

export class DnsServer {
  private readonly connections = new Set<TcpSocket>();

  private constructor(
    private readonly listeners: Listener[],
    private readonly logger: Logger,
  ) {}

  /** The port each address bound, in order (useful with port 0). */
  get ports(): readonly number[] {
    return this.listeners.map((l) => l.port);
  }

  static async listen(addresses: readonly DnsListenAddress[], handle: QuestionHandler, logger: Logger): Promise<DnsServer> {
    const server = new DnsServer([], logger);
    for (const a of addresses) {
      try {
        server.listeners.push(await server.bind(a, handle));
      } catch (e) {
        await server.close();
        throw new Error(`--listen-dns-urls ${a.host}:${a.port}: ${(e as Error).message}`, { cause: e });
      }
    }
    logger.info({ dns: addresses.map((a, i) => `${a.host}:${server.listeners[i]!.port}`) }, 'serving DNS (UDP and TCP)');
    return server;
  }

  private async bind(a: DnsListenAddress, handle: QuestionHandler): Promise<Listener> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket({ type: isIPv6(a.host) ? 'udp6' : 'udp4' });
      udp.on('message', (msg, from) => {
        const reply = this.reply(msg, 'udp', handle);
        if (reply) udp.send(reply, from.port, from.address);
      });
      // A send to a client gone away, say: the socket serves on.
      udp.on('error', (err) => this.logger.debug({ err }, 'DNS over UDP'));
      const port = await new Promise<number>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(a.port, a.host, () => {
          udp.off('error', reject);
          resolve(udp.address().port);
        });
      });
      const tcp = createServer((socket) => this.serveTcp(socket, handle));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, a.host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        return { udp, tcp, port };
      } catch (e) {
        udp.close();
        // Port 0 gave a UDP port whose TCP twin is taken: try another.
        if (a.port !== 0 || attempt >= PORT_ATTEMPTS) throw e;
      }
    }
  }

  private reply(msg: Buffer, transport: 'udp' | 'tcp', handle: QuestionHandler): Buffer | undefined {
    try {
      return respond(msg, transport, handle);
    } catch (err) {
      // A bug answering one query must not stop the others.
      this.logger.warn({ err }, 'DNS query failed');
      return undefined;
    }
  }

  private serveTcp(socket: TcpSocket, handle: QuestionHandler): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const msg = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        const reply = this.reply(msg, 'tcp', handle);
        if (!reply) continue;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await Promise.all(
      this.listeners.splice(0).flatMap((l) => [
        new Promise<void>((resolve) => l.udp.close(() => resolve())),
        new Promise<void>((resolve) => l.tcp.close(() => resolve())),
      ]),
    );
  }
}
