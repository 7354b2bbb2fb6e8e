// Messages members exchange. A discriminated union on `type`; every message carries its sender, its
// recipient and the sender's term. Proposals and read requests forwarded by a follower carry term 0:
// they are not bound to a term and are never rejected as stale.
import type { ConfChange, Entry, NodeId, Snapshot } from './types.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** Leader → follower: entries after (prevIndex, prevTerm), and the leader's commit index. */
export interface AppendMessage extends Envelope {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Follower → leader. Accepted: `index` is the follower's last index matching the leader.
 * Rejected: `index` is the rejected prevIndex; (rejectHint, rejectTerm) is the follower's guess of
 * the largest index whose term is ≤ the leader's prevTerm, so the leader can skip a whole term.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'appendResp';
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly rejectTerm: number;
}

/** A (pre-)candidate asks for a vote. A pre-vote carries the term the sender would campaign in. */
export interface VoteRequest extends Envelope {
  readonly type: 'vote' | 'preVote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when the campaign follows a leader transfer: it may override a current leader's lease. */
  readonly transfer: boolean;
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
}

/** Leader → follower whose next entry was compacted away: install this snapshot instead. */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** `context` is non-empty when the heartbeat also confirms leadership for pending ReadIndex requests. */
export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly context: string;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResp';
  readonly context: string;
}

/** Leader → transfer target whose log is up to date: campaign now. */
export interface TimeoutNow extends Envelope {
  readonly type: 'timeoutNow';
}

/** Follower → leader: a user asked to move leadership to `transferee`. */
export interface TransferLeader extends Envelope {
  readonly type: 'transferLeader';
  readonly transferee: NodeId;
}

/** An entry as proposed, before the leader gives it a term and an index. */
export type ProposedEntry =
  | { readonly type: 'normal'; readonly data: Uint8Array }
  | { readonly type: 'confChange'; readonly change: ConfChange };

/** Follower → leader: proposals forwarded from the follower's clients. */
export interface Propose extends Envelope {
  readonly type: 'propose';
  readonly entries: readonly ProposedEntry[];
}

/** Follower → leader: a linearizable read; the answer is the index the read must wait for. */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'readIndex';
  readonly context: string;
}

export interface ReadIndexResponse extends Envelope {
  readonly type: 'readIndexResp';
  readonly index: number;
  readonly context: string;
}

export type Message =
  | AppendMessage
  | AppendResponse
  | VoteRequest
  | VoteResponse
  | SnapshotMessage
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow
  | TransferLeader
  | Propose
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];

/**
 * Whether a message of a Ready may leave before that Ready is persisted. A leader's appends,
 * heartbeats, snapshots and TimeoutNow depend on nothing the Ready persists: its term was made
 * durable before it asked for votes, and its own new entries count towards the commit quorum only
 * once advance() reports them durable — so it may write its log in parallel with its followers
 * (§10.2.1 of the Raft thesis). Forwarded proposals and reads promise nothing either. Every other
 * message (vote and append responses above all) speaks for state that must be durable first.
 */
export function canSendBeforePersist(m: Message): boolean {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
    case 'timeoutNow':
    case 'propose':
    case 'readIndex':
      return true;
    default:
      return false;
  }
}
