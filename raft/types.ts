// The data the consensus core works with: log entries, hard state, configurations, snapshots.
// Plain data only, so that any layer (storage, transport, simulator) can serialize it as it likes.

/** A member's identity: a positive safe integer, unique in the cluster. 0 means "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

/** A normal entry carries opaque application data; an empty one is the leader's no-op. */
export interface NormalEntry {
  readonly type: 'normal';
  readonly term: number;
  readonly index: number;
  readonly data: Uint8Array;
}

/** A configuration change, applied by the application when it applies the committed entry. */
export interface ConfChangeEntry {
  readonly type: 'confChange';
  readonly term: number;
  readonly index: number;
  readonly change: ConfChange;
}

export type Entry = NormalEntry | ConfChangeEntry;

export type ConfChangeType = 'addVoter' | 'addLearner' | 'removeNode';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque to raft; the application uses it to carry e.g. the member's peer URLs. */
  readonly context?: Uint8Array;
}

/** Which members vote and which only receive the log. Lists are kept sorted. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** What must survive a crash besides the log: written before any message that depends on it leaves. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The application's state as of meta.index; opaque to raft. */
  readonly data: Uint8Array;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };
export const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Bytes an entry counts for in flow control and message size limits. */
export function entrySize(e: Entry): number {
  const payload = e.type === 'normal' ? e.data.length : 16 + (e.change.context?.length ?? 0);
  return payload + 16;
}

export function entriesSize(ents: readonly Entry[]): number {
  let n = 0;
  for (const e of ents) n += entrySize(e);
  return n;
}
