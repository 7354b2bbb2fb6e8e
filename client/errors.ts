// The client's own errors. What a member answers travels as etcd's errors (EtcdError, rpc/), with
// etcd's codes and messages, whichever way the client reached it; these are for what happens on
// the client's side of the call.
import type { status as GrpcStatus } from '@grpc/grpc-js';
import { EtcdError } from '../rpc/etcd-errors.js';

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

/** The config center API's error codes, with the HTTP status each comes with. */
export type ConfigErrorCode =
  /** 400: bad JSON, a bad namespace or item name, a json/yaml value that does not parse. */
  | 'CONFIG_BAD_REQUEST'
  /** 401/403: no token, or the user may not read or write the namespace's keys. */
  | 'CONFIG_PERMISSION_DENIED'
  /** 404: no such namespace, release, item, schema or gray release. */
  | 'CONFIG_NOT_FOUND'
  /** 409: another publisher got there first, or a gray release is already under way. */
  | 'CONFIG_CONFLICT'
  /** 422: the release does not conform to the namespace's schema (`errors` lists why). */
  | 'CONFIG_SCHEMA_INVALID'
  /** 422: the schema itself does not compile. */
  | 'CONFIG_SCHEMA_BAD'
  /** 503: the member cannot serve the request now. */
  | 'CONFIG_UNAVAILABLE'
  /** 500: the member failed in a way none of the others says. */
  | 'CONFIG_INTERNAL';

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
