// Where a listener hands the connections it accepted: TLS ones once their handshake and checks
// passed, with the protocol ALPN settled on. The peer port speaks gRPC only; a client port speaks
// gRPC and etcd's JSON gateway on the same port (see shared-port.ts).
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { ServerCredentials, type Server as GrpcServer } from '@grpc/grpc-js';

export interface ConnectionSink {
  /** What a TLS server offers in ALPN, or how it picks from what the client offers. */
  readonly alpn: Pick<TlsOptions, 'ALPNProtocols' | 'ALPNCallback'>;
  /** Takes an accepted connection; `alpn` is what TLS settled on (false for none, or plaintext). */
  accept(socket: Socket, alpn: string | false): void;
  /** Drops connections the sink has not handed on yet. */
  close(): void;
}

/** Every connection to a gRPC server, through its connection injector: the server ends them on shutdown. */
export class GrpcConnections implements ConnectionSink {
  readonly alpn = { ALPNProtocols: ['h2'] };
  private readonly injector: ReturnType<GrpcServer['createConnectionInjector']>;

  constructor(grpc: GrpcServer) {
    // TLS, when there is any, is the listener's: the server sees plain streams.
    this.injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
  }

  accept(socket: Socket): void {
    this.injector.injectConnection(socket);
  }

  close(): void {}
}
