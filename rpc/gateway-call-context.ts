// What a gateway call shows its handler of where it came from, in the shape of a grpc-js server
// call: the metadata made of the HTTP headers, the deadline, the path. There is no TLS peer
// certificate: etcd takes no certificate CN as the user of a call that came through its gateway.
import type { Deadline, Metadata } from '@grpc/grpc-js';

export interface GatewayCallInfo {
  readonly metadata: Metadata;
  /** ms since the epoch; undefined without a Grpc-Timeout header. */
  readonly deadline: number | undefined;
  /** The gRPC method path, "/etcdserverpb.KV/Put". */
  readonly path: string;
  readonly host: string;
  readonly peer: string;
}

/** The grpc-js ServerSurfaceCall methods, answered from the request. */
export class GatewayCallSurface {
  constructor(private readonly info: GatewayCallInfo) {}

  get metadata(): Metadata {
    return this.info.metadata;
  }

  getDeadline(): Deadline {
    return this.info.deadline ?? Infinity;
  }

  getPath(): string {
    return this.info.path;
  }

  getHost(): string {
    return this.info.host;
  }

  getPeer(): string {
    return this.info.peer;
  }

  getAuthContext(): Record<string, never> {
    return {};
  }
}
