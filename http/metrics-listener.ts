// etcd's --listen-metrics-urls: more HTTP listeners, apart from the client port, that answer the
// member's /metrics and /health (and /version). An https URL is served with the client URLs' TLS
// settings, as etcd does — a client certificate is required there too when client certificate
// auth is on — and its certificate files are re-read when they change.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { requiresClientCert, type ServerTls } from '../rpc/tls-config.js';
import { ReloadingTlsFiles } from '../rpc/tls-files.js';
import { nodeTlsPolicy } from '../rpc/tls-policy.js';
import type { HttpHandler } from './member-endpoints.js';

export interface MetricsListenerOptions {
  /** "http://host:port" or "https://host:port"; port 0 picks a free one. */
  readonly urls: readonly string[];
  /** The client URLs' TLS settings, used for https URLs. */
  readonly tls: ServerTls | undefined;
  readonly handler: HttpHandler;
  readonly logger: Logger;
}

export class MetricsListener {
  private constructor(
    private readonly servers: readonly HttpServer[],
    readonly ports: readonly number[],
  ) {}

  static async listen(options: MetricsListenerOptions): Promise<MetricsListener> {
    const servers: HttpServer[] = [];
    const ports: number[] = [];
    try {
      for (const url of options.urls) {
        const u = new URL(url);
        const server = u.protocol === 'https:' ? httpsServer(options, url) : createHttpServer();
        server.on('request', (req, res) => {
          if (options.handler(req, res)) return;
          // Go's NotFound, as etcd's mux answers.
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
          res.end('404 page not found\n');
        });
        servers.push(server);
        ports.push(await bind(server, u.hostname.replace(/^\[(.*)\]$/, '$1'), Number(u.port)));
      }
    } catch (e) {
      await closeAll(servers);
      throw e;
    }
    options.logger.info({ urls: options.urls }, 'serving /metrics and /health');
    return new MetricsListener(servers, ports);
  }

  /** Stops listening and ends open connections (a scrape in flight is cut). */
  close(): Promise<void> {
    return closeAll(this.servers);
  }
}

function httpsServer(options: MetricsListenerOptions, url: string): HttpServer {
  const tls = options.tls;
  if (!tls) throw new Error(`--listen-metrics-urls ${url}: https needs the client certificate (--cert-file, --key-file or --auto-tls)`);
  const policy = nodeTlsPolicy(tls.policy);
  const files = new ReloadingTlsFiles({ cert: tls.certFile, key: tls.keyFile, ca: tls.trustedCaFile, crl: tls.crlFile }, (c) => {
    const context: SecureContextOptions = { ...policy, cert: c.cert, key: c.key, ...(c.ca ? { ca: c.ca } : {}), ...(c.crl ? { crl: c.crl } : {}) };
    createSecureContext(context);
    return context;
  });
  let applied = files.current();
  const askCert = requiresClientCert(tls);
  const server = createHttpsServer({ ...applied, requestCert: askCert, rejectUnauthorized: askCert });
  // Before the TLS server takes the connection: a rotated certificate applies from this handshake on.
  server.prependListener('connection', () => {
    const context = files.current();
    if (context !== applied) {
      server.setSecureContext(context);
      applied = context;
    }
  });
  return server;
}

function bind(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

async function closeAll(servers: readonly HttpServer[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
}
