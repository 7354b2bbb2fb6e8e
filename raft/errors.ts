// Errors of the consensus core. Each has a stable `code`; callers switch on the class or the code.

export type RaftErrorCode =
  | 'RAFT_COMPACTED'
  | 'RAFT_UNAVAILABLE'
  | 'RAFT_SNAPSHOT_OUT_OF_DATE'
  | 'RAFT_SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  | 'RAFT_PROPOSAL_DROPPED'
  | 'RAFT_CONF_CHANGE_REJECTED'
  | 'RAFT_INVALID_CONFIG';

export class RaftError extends Error {
  constructor(
    readonly code: RaftErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RaftError';
  }
}

/** The requested index is older than the log's first index: it was compacted into a snapshot. */
export class CompactedError extends RaftError {
  constructor() {
    super('RAFT_COMPACTED', 'requested index is unavailable due to compaction');
  }
}

/** The requested index is past the end of the log. */
export class UnavailableError extends RaftError {
  constructor() {
    super('RAFT_UNAVAILABLE', 'requested entry at index is unavailable');
  }
}

export class SnapshotOutOfDateError extends RaftError {
  constructor() {
    super('RAFT_SNAPSHOT_OUT_OF_DATE', 'requested index is older than the existing snapshot');
  }
}

/** Storage cannot produce a snapshot right now; raft retries later. */
export class SnapshotTemporarilyUnavailableError extends RaftError {
  constructor() {
    super('RAFT_SNAPSHOT_TEMPORARILY_UNAVAILABLE', 'snapshot is temporarily unavailable');
  }
}

/** The proposal was not appended: no leader known, a leader transfer is under way, or this member left. */
export class ProposalDroppedError extends RaftError {
  constructor(
    reason: string,
    /** The leader holds too many uncommitted entries: retrying at once would only add to them. */
    readonly overloaded = false,
  ) {
    super('RAFT_PROPOSAL_DROPPED', `raft proposal dropped: ${reason}`);
  }
}

export class ConfChangeRejectedError extends RaftError {
  constructor(reason: string) {
    super('RAFT_CONF_CHANGE_REJECTED', `configuration change rejected: ${reason}`);
  }
}

export class InvalidConfigError extends RaftError {
  constructor(reason: string) {
    super('RAFT_INVALID_CONFIG', `invalid raft config: ${reason}`);
  }
}
