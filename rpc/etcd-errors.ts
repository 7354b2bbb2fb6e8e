// etcd's gRPC errors: for each, the status code and the exact message that etcd 3.5 sends
// (etcd's api/v3rpc/rpctypes). etcd's clients recognise an error by its message text (Go's
// rpctypes.Error, the etcd3 npm client's error classes), so the messages must match byte for byte.

import { status as GrpcStatus, type ServerErrorResponse } from '@grpc/grpc-js';

interface EtcdErrorSpec {
  readonly grpcCode: GrpcStatus;
  readonly message: string;
}

const { INVALID_ARGUMENT, OUT_OF_RANGE, RESOURCE_EXHAUSTED, NOT_FOUND, FAILED_PRECONDITION, CANCELLED } = GrpcStatus;
const { PERMISSION_DENIED, UNAUTHENTICATED, UNAVAILABLE, DATA_LOSS, DEADLINE_EXCEEDED, UNKNOWN } = GrpcStatus;

/** Every error, by its stable code. */
export const ETCD_ERRORS = {
  // Request validation and the MVCC store.
  ETCD_EMPTY_KEY: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: key is not provided' },
  ETCD_KEY_NOT_FOUND: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: key not found' },
  ETCD_VALUE_PROVIDED: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: value is provided' },
  ETCD_LEASE_PROVIDED: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: lease is provided' },
  ETCD_TOO_MANY_OPS: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: too many operations in txn request' },
  ETCD_DUPLICATE_KEY: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: duplicate key given in txn request' },
  ETCD_COMPACTED: { grpcCode: OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision has been compacted' },
  ETCD_FUTURE_REV: { grpcCode: OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision is a future revision' },
  ETCD_NO_SPACE: { grpcCode: RESOURCE_EXHAUSTED, message: 'etcdserver: mvcc: database space exceeded' },

  // Leases and watches.
  ETCD_LEASE_NOT_FOUND: { grpcCode: NOT_FOUND, message: 'etcdserver: requested lease not found' },
  ETCD_LEASE_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  ETCD_LEASE_TTL_TOO_LARGE: { grpcCode: OUT_OF_RANGE, message: 'etcdserver: too large lease TTL' },
  ETCD_WATCH_CANCELED: { grpcCode: CANCELLED, message: 'etcdserver: watch canceled' },

  // Membership.
  ETCD_MEMBER_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: member ID already exist' },
  ETCD_PEER_URL_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: Peer URLs already exists' },
  ETCD_MEMBER_NOT_ENOUGH_STARTED: {
    grpcCode: FAILED_PRECONDITION,
    message: 'etcdserver: re-configuration failed due to not enough started members',
  },
  ETCD_MEMBER_BAD_URLS: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: given member URLs are invalid' },
  ETCD_MEMBER_NOT_FOUND: { grpcCode: NOT_FOUND, message: 'etcdserver: member not found' },
  ETCD_MEMBER_NOT_LEARNER: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: can only promote a learner member' },
  ETCD_LEARNER_NOT_READY: {
    grpcCode: FAILED_PRECONDITION,
    message: 'etcdserver: can only promote a learner member which is in sync with leader',
  },
  ETCD_TOO_MANY_LEARNERS: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: too many learner members in cluster' },

  // Request limits.
  ETCD_REQUEST_TOO_LARGE: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: request is too large' },
  ETCD_TOO_MANY_REQUESTS: { grpcCode: RESOURCE_EXHAUSTED, message: 'etcdserver: too many requests' },

  // Authentication and authorisation.
  ETCD_ROOT_USER_NOT_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: root user does not exist' },
  ETCD_ROOT_ROLE_NOT_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: root user does not have root role' },
  ETCD_USER_ALREADY_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: user name already exists' },
  ETCD_USER_EMPTY: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: user name is empty' },
  ETCD_USER_NOT_FOUND: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: user name not found' },
  ETCD_ROLE_ALREADY_EXIST: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: role name already exists' },
  ETCD_ROLE_NOT_FOUND: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: role name not found' },
  ETCD_ROLE_EMPTY: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: role name is empty' },
  ETCD_AUTH_FAILED: {
    grpcCode: INVALID_ARGUMENT,
    message: 'etcdserver: authentication failed, invalid user ID or password',
  },
  ETCD_PERMISSION_NOT_GIVEN: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: permission not given' },
  ETCD_PERMISSION_DENIED: { grpcCode: PERMISSION_DENIED, message: 'etcdserver: permission denied' },
  ETCD_ROLE_NOT_GRANTED: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: role is not granted to the user' },
  ETCD_PERMISSION_NOT_GRANTED: {
    grpcCode: FAILED_PRECONDITION,
    message: 'etcdserver: permission is not granted to the role',
  },
  ETCD_AUTH_NOT_ENABLED: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: authentication is not enabled' },
  ETCD_INVALID_AUTH_TOKEN: { grpcCode: UNAUTHENTICATED, message: 'etcdserver: invalid auth token' },
  ETCD_INVALID_AUTH_MGMT: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: invalid auth management' },
  ETCD_AUTH_OLD_REVISION: { grpcCode: INVALID_ARGUMENT, message: 'etcdserver: revision of auth store is old' },

  // The member and the cluster. Those with UNAVAILABLE are the ones clients retry.
  ETCD_NO_LEADER: { grpcCode: UNAVAILABLE, message: 'etcdserver: no leader' },
  ETCD_NOT_LEADER: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: not leader' },
  ETCD_LEADER_CHANGED: { grpcCode: UNAVAILABLE, message: 'etcdserver: leader changed' },
  ETCD_NOT_CAPABLE: { grpcCode: UNAVAILABLE, message: 'etcdserver: not capable' },
  ETCD_STOPPED: { grpcCode: UNAVAILABLE, message: 'etcdserver: server stopped' },
  ETCD_TIMEOUT: { grpcCode: UNAVAILABLE, message: 'etcdserver: request timed out' },
  ETCD_TIMEOUT_DUE_TO_LEADER_FAIL: {
    grpcCode: UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to previous leader failure',
  },
  ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST: {
    grpcCode: UNAVAILABLE,
    message: 'etcdserver: request timed out, possibly due to connection lost',
  },
  ETCD_TIMEOUT_WAIT_APPLIED_INDEX: {
    grpcCode: UNAVAILABLE,
    message: 'etcdserver: request timed out, waiting for the applied index took too long',
  },
  ETCD_UNHEALTHY: { grpcCode: UNAVAILABLE, message: 'etcdserver: unhealthy cluster' },
  ETCD_CORRUPT: { grpcCode: DATA_LOSS, message: 'etcdserver: corrupt cluster' },
  ETCD_NOT_SUPPORTED_FOR_LEARNER: { grpcCode: UNAVAILABLE, message: 'etcdserver: rpc not supported for learner' },
  ETCD_BAD_LEADER_TRANSFEREE: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: bad leader transferee' },

  // Downgrades.
  ETCD_CLUSTER_VERSION_UNAVAILABLE: {
    grpcCode: UNAVAILABLE,
    message: 'etcdserver: cluster version not found during downgrade',
  },
  ETCD_WRONG_DOWNGRADE_VERSION_FORMAT: {
    grpcCode: INVALID_ARGUMENT,
    message: 'etcdserver: wrong downgrade target version format',
  },
  ETCD_INVALID_DOWNGRADE_TARGET_VERSION: {
    grpcCode: INVALID_ARGUMENT,
    message: 'etcdserver: invalid downgrade target version',
  },
  ETCD_DOWNGRADE_IN_PROCESS: {
    grpcCode: FAILED_PRECONDITION,
    message: 'etcdserver: cluster has a downgrade job in progress',
  },
  ETCD_NO_INFLIGHT_DOWNGRADE: { grpcCode: FAILED_PRECONDITION, message: 'etcdserver: no inflight downgrade job' },

  // The request's own context ended.
  ETCD_CANCELED: { grpcCode: CANCELLED, message: 'etcdserver: request canceled' },
  ETCD_DEADLINE_EXCEEDED: { grpcCode: DEADLINE_EXCEEDED, message: 'etcdserver: context deadline exceeded' },

  // The Election service's errors are plain Go errors, which gRPC sends as UNKNOWN.
  ETCD_ELECTION_NOT_LEADER: { grpcCode: UNKNOWN, message: 'election: not leader' },
  ETCD_ELECTION_NO_LEADER: { grpcCode: UNKNOWN, message: 'election: no leader' },
  ETCD_ELECTION_MISSING_LEADER_KEY: { grpcCode: UNKNOWN, message: '"leader" field must be provided' },
} as const satisfies Record<string, EtcdErrorSpec>;

export type EtcdErrorCode = keyof typeof ETCD_ERRORS;

/**
 * An error that etcd sends to its clients. `code` is stable (switch on it); `message` is etcd's
 * text; `grpcCode` is the gRPC status it travels with.
 */
export class EtcdError<Code extends EtcdErrorCode = EtcdErrorCode> extends Error {
  readonly code: Code;
  readonly grpcCode: GrpcStatus;

  constructor(code: Code, options?: ErrorOptions) {
    super(ETCD_ERRORS[code].message, options);
    this.name = 'EtcdError';
    this.code = code;
    this.grpcCode = ETCD_ERRORS[code].grpcCode;
  }
}

export function isEtcdError<Code extends EtcdErrorCode>(error: unknown, code?: Code): error is EtcdError<Code> {
  return error instanceof EtcdError && (code === undefined || error.code === code);
}

const codeByMessage = new Map<string, EtcdErrorCode>(
  (Object.keys(ETCD_ERRORS) as EtcdErrorCode[]).map((code) => [ETCD_ERRORS[code].message, code]),
);

/**
 * The error a gRPC status stands for, recognised the way etcd's clients do it: by the message.
 * Undefined when the message is not one of etcd's (a transport error, say).
 */
export function etcdErrorFromStatus(status: { details?: string }): EtcdError | undefined {
  const code = status.details === undefined ? undefined : codeByMessage.get(status.details);
  return code === undefined ? undefined : new EtcdError(code);
}

/**
 * What a grpc-js handler passes to its callback (or emits on a stream) to fail a call:
 * - an EtcdError travels with its gRPC code and etcd's message;
 * - a gRPC status received from elsewhere (e.g. from the leader a request was forwarded to)
 *   keeps its code and details;
 * - anything else becomes UNKNOWN with the error's message, as etcd's Go server sends it.
 */
export function toServiceError(error: unknown): ServerErrorResponse {
  if (error instanceof EtcdError) return statusError(error.grpcCode, error.message);
  if (isGrpcStatusLike(error)) return statusError(error.code, error.details);
  return statusError(UNKNOWN, error instanceof Error ? error.message : String(error));
}

function statusError(code: GrpcStatus, details: string): ServerErrorResponse {
  return Object.assign(new Error(details), { code, details });
}

function isGrpcStatusLike(error: unknown): error is { code: GrpcStatus; details: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { code, details } = error as { code?: unknown; details?: unknown };
  return typeof code === 'number' && Number.isInteger(code) && code in GrpcStatus && typeof details === 'string';
}
