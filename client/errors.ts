// The client's own errors. What a member answers travels as etcd's errors (EtcdError, rpc/), with
// etcd's codes and messages, whichever way the client reached it; these are for what happens on
// the client's side of the call.
import type { status as GrpcStatus } from '@grpc/grpc-js';
import type { ConfigErrorCode } from '../configcenter/errors.js';
import { EtcdError } from '../rpc/etcd-errors.js';

export type { ConfigErrorCode };

export type ClientErrorCode =
  /** The client (or the embedded node) was closed. */
  | 'LODESTONE_CLIENT_CLOSED'
  /** No member could be reached, or the call broke in transit; `grpcCode` and `sent` say more. */
  | 'LODESTONE_UNAVAILABLE'
  /** A member answered with a gRPC status that is none of etcd's errors. */
  | 'LODESTONE_RPC_FAILED'
  /** An argument the client rejects before sending anything. */
  | 'LODESTONE_INVALID_ARGUMENT'
  /** A stored value the caller's parse function (or JSON) rejected. */
  | 'LODESTONE_INVALID_VALUE'
  /** The config center's answers (ConfigCenterError, client/config-center/): what its HTTP API says, by its own codes. */
  | ConfigErrorCode;

export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** The gRPC status code, for errors of a remote call. */
  readonly grpcCode: GrpcStatus | undefined;
  /**
   * For LODESTONE_UNAVAILABLE: false when the request certainly never reached a member (no
   * connection), so even a write may be sent again; true or undefined when that is not known.
   */
  readonly sent: boolean | undefined;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; grpcCode?: GrpcStatus; sent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.grpcCode = options?.grpcCode;
    this.sent = options?.sent;
  }
}

export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}

/** A watch could not go on: the revision it had to resume from was compacted away. */
export class WatchCompactedError extends EtcdError<'ETCD_COMPACTED'> {
  constructor(readonly compactRevision: number) {
    super('ETCD_COMPACTED');
    this.name = 'WatchCompactedError';
  }
}

export function closedError(): ClientError {
  return new ClientError('LODESTONE_CLIENT_CLOSED', 'the client is closed');
}
