// The HTTP/1.1 server of a client port. It never listens: the port's listener hands it the
// connections that speak HTTP/1.1 (shared-port.ts). Requests go through the handlers in order; one
// none of them takes is answered 404 as etcd's mux does. Node tracks a server's connections only
// when it listens, so this one tracks its own, for close() to end them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { HttpHandler } from './http-handler.js';

export class HttpFront {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Sockets with a request whose response has not finished. */
  private readonly busy = new Map<Socket, number>();
  private closing = false;
  /** Called once the last connection is gone, while closing. */
  private drained: (() => void) | undefined;

  constructor(
    private readonly handlers: readonly HttpHandler[],
    private readonly logger: Logger,
  ) {
    // No idle timeout, as etcd's Go server has none: a client keeps its connection between requests
    // as long as it likes (Node's 5 s races clients that reuse a connection a little later).
    this.server = createServer({ keepAliveTimeout: 0, requestTimeout: 0 }, (req, res) => this.serve(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code !== 'ECONNRESET' && socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
      else socket.destroy();
    });
  }

  /** Serves HTTP/1.1 on a connection whose first bytes (if any were read) are back in its buffer. */
  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.busy.delete(socket);
      if (this.sockets.size === 0) this.drained?.();
    });
    this.server.emit('connection', socket);
  }

  /**
   * Takes no more connections and ends the idle ones; a request under way may finish its answer
   * within `graceMs` (a watch never does), then its connection is cut too.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const socket of this.sockets) if (!this.busy.has(socket)) socket.destroy();
    if (this.sockets.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, graceMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
    if (this.closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      const left = (this.busy.get(socket) ?? 1) - 1;
      if (left > 0) this.busy.set(socket, left);
      else this.busy.delete(socket);
      if (this.closing && left <= 0) socket.destroy();
    });
    try {
      for (const handler of this.handlers) if (handler(req, res)) return;
      notFound(res);
    } catch (e) {
      this.logger.error({ err: e instanceof Error ? e.message : String(e), url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) plainError(res, 500, 'Internal Server Error');
      else res.destroy();
    }
  }
}

/** Go's http.Error: a text body, and no content sniffing. */
export function plainError(res: ServerResponse, statusCode: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(statusCode, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** What etcd's mux answers for a path nothing serves. */
function notFound(res: ServerResponse): void {
  plainError(res, 404, '404 page not found');
}
