// An https listen URL: TLS in front of a grpc-js server (and, on a client port, the JSON gateway).
// grpc-js's own TLS cannot re-read rotated certificate files nor check a client certificate's CN
// before a call gets through, so the TLS layer is ours: a TCP listener hands each connection to a
// node:tls server (with the secure context of the files as they are now), which verifies the
// client's certificate; only a connection that passed every check goes on to the sink, with the
// protocol ALPN settled on. A peer refused here never gets a byte to raft.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, Server as TlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ConnectionSink } from './connection-sink.js';
import { requiresClientCert, type ServerTls } from './tls-config.js';
import { listenHost, splitAddress } from './listen-address.js';
import { ReloadingTlsFiles } from './tls-files.js';
import { nodeTlsPolicy } from './tls-policy.js';

/** A client that has not finished its handshake by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface SecureListenerOptions {
  /** "host:port"; port 0 picks a free one. */
  readonly address: string;
  readonly tls: ServerTls;
  /** Takes the connections that passed (GrpcConnections for gRPC alone). */
  readonly sink: ConnectionSink;
  readonly logger: Logger;
}

export class SecureListener {
  private readonly tcp: NetServer;
  private readonly tlsServer: TlsServer;
  private readonly files: ReloadingTlsFiles<SecureContextOptions>;
  /** Connections in their handshake, by remote address: dropped on close (the established ones end with gRPC). */
  private readonly handshaking = new Map<string, Socket>();
  private applied: SecureContextOptions;
  private closed = false;
  private boundPort = 0;

  private constructor(private readonly options: SecureListenerOptions) {
    const { tls, logger } = options;
    const policy = nodeTlsPolicy(tls.policy);
    this.files = new ReloadingTlsFiles(
      { cert: tls.certFile, key: tls.keyFile, ca: tls.trustedCaFile, crl: tls.crlFile },
      (c) => {
        const context: SecureContextOptions = { ...policy, cert: c.cert, key: c.key, ...(c.ca ? { ca: c.ca } : {}), ...(c.crl ? { crl: c.crl } : {}) };
        // Fails here, not at the first handshake, on a key that does not match its certificate.
        createSecureContext(context);
        return context;
      },
      ({ error }) => {
        if (error) logger.warn({ err: error.message }, 'TLS files changed but cannot be used; still serving the previous certificate');
        else logger.info({ cert: tls.certFile }, 'TLS files changed: new connections get the new certificate');
      },
    );
    this.applied = this.files.current();
    const askCert = requiresClientCert(tls);
    this.tlsServer = new TlsServer({
      ...this.applied,
      ...options.sink.alpn,
      requestCert: askCert,
      // Node then refuses a client without a certificate in the handshake, and drops one whose
      // certificate does not verify right after it.
      rejectUnauthorized: askCert,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    this.tlsServer.on('secureConnection', (socket: TLSSocket) => this.admit(socket));
    this.tlsServer.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.reject(socket, socket.authorizationError ? `client certificate: ${String(socket.authorizationError)}` : error.message);
    });
    // Small gRPC frames (a put, an append) must leave at once: Nagle would hold each one back
    // behind the previous one's acknowledgement.
    this.tcp = createServer({ noDelay: true }, (raw) => this.accept(raw));
  }

  /** Binds the address and starts handing connections to the sink. */
  static async listen(options: SecureListenerOptions): Promise<SecureListener> {
    const { host: name, port } = splitAddress(options.address);
    const host = await listenHost(name);
    const listener = new SecureListener(options);
    await new Promise<void>((resolve, reject) => {
      listener.tcp.once('error', reject);
      listener.tcp.listen(port, host, () => {
        listener.tcp.off('error', reject);
        resolve();
      });
    });
    const address = listener.tcp.address();
    listener.boundPort = typeof address === 'object' && address !== null ? address.port : port;
    return listener;
  }

  get port(): number {
    return this.boundPort;
  }

  /**
   * Stops accepting and drops connections still in their handshake; the servers behind the sink end
   * the rest. Does not wait for those: net.Server's close callback comes only once every connection
   * has ended, and the established ones end when the caller shuts those servers down — after this.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const raw of this.handshaking.values()) raw.destroy();
    this.handshaking.clear();
    this.tcp.close();
  }

  private accept(raw: Socket): void {
    if (this.closed) {
      raw.destroy();
      return;
    }
    raw.on('error', () => undefined);
    // Synchronous on purpose: the raw socket must reach the TLS server before it reads a byte.
    const context = this.files.current();
    if (context !== this.applied) {
      this.tlsServer.setSecureContext(context);
      this.applied = context;
    }
    const key = remoteOf(raw);
    this.handshaking.set(key, raw);
    raw.once('close', () => {
      if (this.handshaking.get(key) === raw) this.handshaking.delete(key);
    });
    this.tlsServer.emit('connection', raw);
  }

  private admit(socket: TLSSocket): void {
    this.handshaking.delete(remoteOf(socket));
    const allowed = this.options.tls.allowedCn;
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (allowed !== undefined && allowed !== '' && requiresClientCert(this.options.tls)) {
      const cn = socket.getPeerCertificate().subject?.CN;
      if (cn !== allowed) {
        // etcd's words for a certificate its CN check refused.
        this.reject(socket, `client certificate authentication failed (CN "${String(cn ?? '')}" is not the allowed "${allowed}")`);
        socket.destroy();
        return;
      }
    }
    socket.on('error', () => undefined);
    this.options.sink.accept(socket, socket.alpnProtocol ?? false);
  }

  private reject(socket: TLSSocket, reason: string): void {
    if (this.closed) return;
    // Node has already dropped a client whose certificate did not verify, and with it its address.
    const remote = socket.remoteAddress === undefined ? {} : { remote: remoteOf(socket) };
    this.options.logger.warn({ ...remote, reason }, 'rejected connection');
  }
}

function remoteOf(socket: Socket): string {
  return `${String(socket.remoteAddress)}:${String(socket.remotePort)}`;
}
