// Errors of the peer transport. Each has a stable `code`; the ones a receiver answers a call with
// also carry the gRPC status they travel as, and the code rides along in the trailing metadata so
// that the sender gets the same typed error back (see toPeerStatus / fromPeerStatus).

import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from '@grpc/grpc-js';

export type PeerErrorCode =
  // A receiver refuses a call.
  | 'PEER_CLUSTER_MISMATCH'
  | 'PEER_UNKNOWN_MEMBER'
  | 'PEER_MEMBER_REMOVED'
  | 'PEER_WRONG_RECIPIENT'
  | 'PEER_BAD_METADATA'
  | 'PEER_BAD_MESSAGE'
  | 'PEER_SNAPSHOT_INCOMPLETE'
  | 'PEER_SNAPSHOT_REJECTED'
  | 'PEER_CLOSED'
  // The sender's side.
  | 'PEER_MESSAGE_INVALID'
  | 'PEER_MESSAGE_TOO_LARGE'
  | 'PEER_UNAVAILABLE'
  | 'PEER_NOT_STARTED'
  | 'PEER_BAD_OPTIONS';

/** The trailing metadata key that carries a refusal's PeerErrorCode. */
export const PEER_ERROR_CODE_KEY = 'lodestone-peer-error';

const GRPC_CODES: Readonly<Record<PeerErrorCode, GrpcStatus>> = {
  PEER_CLUSTER_MISMATCH: GrpcStatus.FAILED_PRECONDITION,
  PEER_UNKNOWN_MEMBER: GrpcStatus.FAILED_PRECONDITION,
  PEER_MEMBER_REMOVED: GrpcStatus.FAILED_PRECONDITION,
  PEER_WRONG_RECIPIENT: GrpcStatus.FAILED_PRECONDITION,
  PEER_BAD_METADATA: GrpcStatus.INVALID_ARGUMENT,
  PEER_BAD_MESSAGE: GrpcStatus.INVALID_ARGUMENT,
  PEER_SNAPSHOT_INCOMPLETE: GrpcStatus.DATA_LOSS,
  PEER_SNAPSHOT_REJECTED: GrpcStatus.ABORTED,
  PEER_CLOSED: GrpcStatus.UNAVAILABLE,
  PEER_MESSAGE_INVALID: GrpcStatus.INTERNAL,
  PEER_MESSAGE_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  PEER_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  PEER_NOT_STARTED: GrpcStatus.FAILED_PRECONDITION,
  PEER_BAD_OPTIONS: GrpcStatus.INVALID_ARGUMENT,
};

export class PeerError extends Error {
  constructor(
    readonly code: PeerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PeerError';
  }

  /** The gRPC status this error travels as when a receiver answers a call with it. */
  get grpcCode(): GrpcStatus {
    return GRPC_CODES[this.code];
  }
}

/** The caller belongs to another cluster (a misconfigured --initial-cluster-token, or a stray member). */
export class ClusterMismatchError extends PeerError {
  constructor(local: string, remote: string) {
    super('PEER_CLUSTER_MISMATCH', `peer: cluster id mismatch: this member is in cluster "${local}", the caller in "${remote}"`);
  }
}

/** The caller is not, or no longer, a member this one knows (removed, or never added). */
export class UnknownMemberError extends PeerError {
  constructor(sender: number, clusterId: string) {
    super('PEER_UNKNOWN_MEMBER', `peer: member ${sender} is not a known member of cluster "${clusterId}"`);
  }
}

/**
 * The caller was removed from the cluster (etcd's ErrMemberRemoved): a member that missed its own
 * removal, or restarted after it, learns it this way and stops.
 */
export class MemberRemovedError extends PeerError {
  constructor(sender: number) {
    super('PEER_MEMBER_REMOVED', `peer: member ${sender} has been permanently removed from the cluster`);
  }
}

/** The caller meant another member: its address book points at the wrong place. */
export class WrongRecipientError extends PeerError {
  constructor(recipient: number, self: number) {
    super('PEER_WRONG_RECIPIENT', `peer: the call is for member ${recipient}, but this is member ${self}`);
  }
}

export class BadMetadataError extends PeerError {
  constructor(reason: string) {
    super('PEER_BAD_METADATA', `peer: bad call metadata: ${reason}`);
  }
}

/** Bytes from a peer that do not decode as a Raft message, or a message that contradicts its call. */
export class BadMessageError extends PeerError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('PEER_BAD_MESSAGE', `peer: bad message: ${reason}`, options);
  }
}

/** The snapshot payload ended early, or its size or checksum does not match the trailer. */
export class SnapshotIncompleteError extends PeerError {
  constructor(reason: string) {
    super('PEER_SNAPSHOT_INCOMPLETE', `peer: snapshot payload incomplete: ${reason}`);
  }
}

/** The receiving member could not stage the snapshot. */
export class SnapshotRejectedError extends PeerError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('PEER_SNAPSHOT_REJECTED', `peer: snapshot rejected: ${reason}`, options);
  }
}

export class PeerClosedError extends PeerError {
  constructor() {
    super('PEER_CLOSED', 'peer: transport is closed');
  }
}

/** A message this member's Raft core produced cannot be encoded (a bug, not a peer's fault). */
export class MessageInvalidError extends PeerError {
  constructor(reason: string) {
    super('PEER_MESSAGE_INVALID', `peer: message cannot be encoded: ${reason}`);
  }
}

export class MessageTooLargeError extends PeerError {
  constructor(size: number, limit: number) {
    super('PEER_MESSAGE_TOO_LARGE', `peer: encoded message of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** The peer could not be reached, or the call broke; `cause` holds gRPC's error. */
export class PeerUnavailableError extends PeerError {
  constructor(peer: number, reason: string, options?: { cause?: unknown }) {
    super('PEER_UNAVAILABLE', `peer: member ${peer} is unavailable: ${reason}`, options);
  }
}

export class NotStartedError extends PeerError {
  constructor() {
    super('PEER_NOT_STARTED', 'peer: transport is not started');
  }
}

export class BadOptionsError extends PeerError {
  constructor(reason: string) {
    super('PEER_BAD_OPTIONS', `peer: bad options: ${reason}`);
  }
}

/** The status a receiver answers a call with; the code goes in the trailers for fromPeerStatus. */
export function toPeerStatus(error: PeerError): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set(PEER_ERROR_CODE_KEY, error.code);
  return { code: error.grpcCode, details: error.message, metadata };
}

/**
 * The typed error for a failed call: the receiver's own PeerError when it sent one, else
 * PeerUnavailableError around gRPC's error (connection refused, reset, deadline, ...).
 */
export function fromPeerStatus(peer: number, error: ServiceError): PeerError {
  const code = error.metadata?.get(PEER_ERROR_CODE_KEY)[0];
  if (typeof code === 'string' && code in GRPC_CODES) {
    return new PeerError(code as PeerErrorCode, error.details, { cause: error });
  }
  return new PeerUnavailableError(peer, error.details || error.message, { cause: error });
}
