// gRPC and etcd's JSON gateway on one client port, as etcd serves them: each connection goes, as it
// is, either to the gRPC server (HTTP/2) or to the HTTP/1.1 server of the gateway. TLS names the
// protocol in ALPN; otherwise its first bytes tell (protocol-sniff.ts). gRPC connections are injected
// into grpc-js's own HTTP/2 server, so they cost what a port grpc-js bound itself costs.
import type { Socket } from 'node:net';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { GrpcConnections, type ConnectionSink } from './connection-sink.js';
import type { HttpFront } from './http-front.js';
import { sniffProtocol, type WireProtocol } from './protocol-sniff.js';

/** A client that has not said which protocol it speaks by then is dropped. */
const SNIFF_TIMEOUT_MS = 10_000;

/**
 * The protocol for a TLS client's ALPN offer. gRPC clients offer h2 alone (Go's, grpc-js, gRPC's C
 * core with grpc-exp, Java's). Clients that offer http/1.1 as well are HTTP clients (curl,
 * browsers, Go's net/http, Python's httpx): HTTP/1.1 takes them to the gateway, where HTTP/2 would
 * take them to grpc-js, which answers anything but gRPC with 415. etcd's Go server serves JSON over
 * both; this is how its answers reach the same clients here.
 */
export function chooseAlpn(offered: readonly string[]): string | undefined {
  if (offered.includes('http/1.1')) return 'http/1.1';
  return offered.includes('h2') ? 'h2' : undefined;
}

export class SharedPort implements ConnectionSink {
  readonly alpn = { ALPNCallback: ({ protocols }: { protocols: string[] }) => chooseAlpn(protocols) };
  private readonly grpc: GrpcConnections;
  /** Connections whose first bytes have not come yet: dropped on close. */
  private readonly sniffing = new Set<Socket>();
  private closed = false;

  constructor(
    grpc: GrpcServer,
    private readonly http: HttpFront,
  ) {
    this.grpc = new GrpcConnections(grpc);
  }

  accept(socket: Socket, alpn: string | false): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (alpn === 'h2' || alpn === 'http/1.1') {
      this.handTo(socket, alpn);
      return;
    }
    this.sniffing.add(socket);
    sniffProtocol(
      socket,
      SNIFF_TIMEOUT_MS,
      (protocol) => {
        this.sniffing.delete(socket);
        if (this.closed) socket.destroy();
        else this.handTo(socket, protocol);
      },
      () => {
        this.sniffing.delete(socket);
        socket.destroy();
      },
    );
  }

  close(): void {
    this.closed = true;
    for (const socket of this.sniffing) socket.destroy();
    this.sniffing.clear();
    this.grpc.close();
  }

  private handTo(socket: Socket, protocol: WireProtocol): void {
    if (protocol === 'h2') this.grpc.accept(socket);
    else this.http.accept(socket);
  }
}
