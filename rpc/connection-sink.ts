// Where a listener hands the connections it accepted: TLS ones once their handshake and checks
// passed, with the protocol ALPN settled on. The peer port speaks gRPC only; a client port speaks
// gRPC and etcd's JSON gateway on the same port (see shared-port.ts).
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { ServerCredentials, type Server as GrpcServer } from '@grpc/grpc-js';
import { admitH2, filterModeFromEnv, type H2FilterMode } from './h2-admission.js';

export interface ConnectionSink {
  /** What a TLS server offers in ALPN, or how it picks from what the client offers. */
  readonly alpn: Pick<TlsOptions, 'ALPNProtocols' | 'ALPNCallback'>;
  /** Takes an accepted connection; `alpn` is what TLS settled on (false for none, or plaintext). */
  accept(socket: Socket, alpn: string | false): void;
  /** Drops connections the sink has not handed on yet. */
  close(): void;
}

/**
 * Every connection to a gRPC server, through its connection injector: the server ends them on
 * shutdown. A client whose requests carry an authority Node's HTTP/2 server refuses (etcdctl
 * --cluster sends `http://host:port`) gets it rewritten on the way (h2-admission.ts).
 */
export class GrpcConnections implements ConnectionSink {
  readonly alpn = { ALPNProtocols: ['h2'] };
  private readonly injector: ReturnType<GrpcServer['createConnectionInjector']>;
  /** Connections still being admitted, by what drops each. */
  private readonly deciding = new Set<() => void>();

  constructor(
    grpc: GrpcServer,
    private readonly filterMode: H2FilterMode = filterModeFromEnv(),
  ) {
    // TLS, when there is any, is the listener's: the server sees plain streams.
    this.injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  }

  accept(socket: Socket): void {
    let admitted = false;
    const drop = admitH2(socket, this.filterMode, (connection) => {
      admitted = true;
      this.injector.injectConnection(connection);
    });
    if (admitted) return;
    this.deciding.add(drop);
    const forget = (): void => void this.deciding.delete(drop);
    socket.once('close', forget);
  }

  /** Drops the connections whose first request has not come yet: the server no longer takes them. */
  close(): void {
    for (const drop of this.deciding) drop();
    this.deciding.clear();
  }
}
