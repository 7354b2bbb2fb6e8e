// Errors of the storage layer. Each has a stable `code`; errors a client can cause carry etcd's exact
// message, so that rpc/ can pass them on unchanged (it maps codes to gRPC statuses).

export type StoreErrorCode =
  // Request errors, as etcd reports them to clients.
  | 'STORE_EMPTY_KEY'
  | 'STORE_KEY_NOT_FOUND'
  | 'STORE_VALUE_PROVIDED'
  | 'STORE_LEASE_PROVIDED'
  | 'STORE_TOO_MANY_OPS'
  | 'STORE_DUPLICATE_KEY'
  | 'STORE_REQUEST_TOO_LARGE'
  | 'STORE_COMPACTED'
  | 'STORE_FUTURE_REV'
  | 'STORE_LEASE_NOT_FOUND'
  | 'STORE_LEASE_EXISTS'
  | 'STORE_LEASE_TTL_TOO_LARGE'
  | 'STORE_NO_SPACE'
  // Authentication and permissions (auth/auth-errors.ts carries which one).
  | 'STORE_AUTH'
  // Errors of the member's own use of the store.
  | 'STORE_NOT_READ_ONLY'
  | 'STORE_APPLY_ORDER'
  | 'STORE_LOG_COMPACT_BEYOND_SNAPSHOT'
  | 'STORE_SNAPSHOT_CORRUPT'
  | 'STORE_SNAPSHOT_STALE'
  | 'STORE_CORRUPT'
  | 'STORE_CLOSED'
  | 'STORE_FAILED';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** etcd's ErrGRPCEmptyKey (InvalidArgument). */
export class EmptyKeyError extends StoreError {
  constructor() {
    super('STORE_EMPTY_KEY', 'etcdserver: key is not provided');
  }
}

/** A put with ignore_value / ignore_lease on a key that does not exist (etcd's ErrKeyNotFound). */
export class KeyNotFoundError extends StoreError {
  constructor() {
    super('STORE_KEY_NOT_FOUND', 'etcdserver: key not found');
  }
}

/** A put with ignore_value that also carries a value. */
export class ValueProvidedError extends StoreError {
  constructor() {
    super('STORE_VALUE_PROVIDED', 'etcdserver: value is provided');
  }
}

/** A put with ignore_lease that also carries a lease. */
export class LeaseProvidedError extends StoreError {
  constructor() {
    super('STORE_LEASE_PROVIDED', 'etcdserver: lease is provided');
  }
}

export class TooManyOpsError extends StoreError {
  constructor() {
    super('STORE_TOO_MANY_OPS', 'etcdserver: too many operations in txn request');
  }
}

/** Two puts to one key, or a put to a key the same txn deletes. */
export class DuplicateKeyError extends StoreError {
  constructor() {
    super('STORE_DUPLICATE_KEY', 'etcdserver: duplicate key given in txn request');
  }
}

export class RequestTooLargeError extends StoreError {
  constructor() {
    super('STORE_REQUEST_TOO_LARGE', 'etcdserver: request is too large');
  }
}

/** A read or compaction at a revision that compaction already removed (etcd's mvcc.ErrCompacted, OutOfRange). */
export class CompactedError extends StoreError {
  /** The compaction revision, where the caller needs it (a watch reports it); undefined otherwise. */
  readonly compactRevision: number | undefined;

  constructor(compactRevision?: number) {
    super('STORE_COMPACTED', 'mvcc: required revision has been compacted');
    this.compactRevision = compactRevision;
  }
}

/** A read or compaction at a revision the store has not reached yet (etcd's mvcc.ErrFutureRev, OutOfRange). */
export class FutureRevisionError extends StoreError {
  constructor() {
    super('STORE_FUTURE_REV', 'mvcc: required revision is a future revision');
  }
}

/** A put with, or a revoke of, a lease that does not exist (etcd's lease.ErrLeaseNotFound, NotFound). */
export class LeaseNotFoundError extends StoreError {
  constructor() {
    super('STORE_LEASE_NOT_FOUND', 'etcdserver: requested lease not found');
  }
}

/** A grant of a lease ID already in use (etcd's lease.ErrLeaseExists, FailedPrecondition). */
export class LeaseExistsError extends StoreError {
  constructor() {
    super('STORE_LEASE_EXISTS', 'etcdserver: lease already exists');
  }
}

/** A grant with a TTL over etcd's MaxLeaseTTL (lease.ErrLeaseTTLTooLarge, OutOfRange). */
export class LeaseTtlTooLargeError extends StoreError {
  constructor() {
    super('STORE_LEASE_TTL_TOO_LARGE', 'etcdserver: too large lease TTL');
  }
}

/**
 * A write that would grow the state while the NOSPACE alarm is active (etcd's ErrNoSpace, which
 * its capped applier returns).
 */
export class NoSpaceError extends StoreError {
  constructor() {
    super('STORE_NO_SPACE', 'etcdserver: mvcc: database space exceeded');
  }
}

/** A txn with writes was handed to the read path. */
export class NotReadOnlyError extends StoreError {
  constructor() {
    super('STORE_NOT_READ_ONLY', 'txn has write operations; it must go through raft');
  }
}

/** applyBatch was given entries whose indexes do not increase. */
export class ApplyOrderError extends StoreError {
  constructor(previous: number, next: number) {
    super('STORE_APPLY_ORDER', `entry index ${next} does not follow ${previous}`);
  }
}

/**
 * The raft log may only be compacted up to the latest snapshot: on restart the log is rebuilt from
 * the snapshot onwards, so entries between the snapshot and a later compaction point would be lost.
 */
export class LogCompactBeyondSnapshotError extends StoreError {
  constructor(index: number, snapshotIndex: number) {
    super('STORE_LOG_COMPACT_BEYOND_SNAPSHOT', `cannot compact the log to ${index}: latest snapshot is at ${snapshotIndex}`);
  }
}

export class SnapshotCorruptError extends StoreError {
  constructor(reason: string) {
    super('STORE_SNAPSHOT_CORRUPT', `snapshot is corrupt: ${reason}`);
  }
}

/** The snapshot is older than the state it would replace. */
export class SnapshotStaleError extends StoreError {
  constructor(snapshotIndex: number, appliedIndex: number) {
    super('STORE_SNAPSHOT_STALE', `snapshot at index ${snapshotIndex} is older than applied index ${appliedIndex}`);
  }
}

/** Data on disk does not decode or contradicts itself. */
export class CorruptDataError extends StoreError {
  constructor(reason: string) {
    super('STORE_CORRUPT', `stored data is corrupt: ${reason}`);
  }
}

export class StoreClosedError extends StoreError {
  constructor() {
    super('STORE_CLOSED', 'store is closed');
  }
}

/**
 * A write to disk failed half-way through applying entries. The in-memory state may no longer match
 * the disk, so the store refuses all further work; the member must restart (it reloads from disk).
 */
export class StoreFailedError extends StoreError {
  constructor(cause: unknown) {
    super('STORE_FAILED', `store failed and must be reopened: ${describe(cause)}`, { cause });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

const REQUEST_ERROR_CODES: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  'STORE_EMPTY_KEY',
  'STORE_KEY_NOT_FOUND',
  'STORE_VALUE_PROVIDED',
  'STORE_LEASE_PROVIDED',
  'STORE_TOO_MANY_OPS',
  'STORE_DUPLICATE_KEY',
  'STORE_REQUEST_TOO_LARGE',
  'STORE_COMPACTED',
  'STORE_FUTURE_REV',
  'STORE_LEASE_NOT_FOUND',
  'STORE_LEASE_EXISTS',
  'STORE_LEASE_TTL_TOO_LARGE',
  'STORE_NO_SPACE',
  'STORE_AUTH',
]);

/** An error the request itself caused: the client gets it, the store carries on. */
export function isRequestError(err: unknown): err is StoreError {
  return err instanceof StoreError && REQUEST_ERROR_CODES.has(err.code);
}
