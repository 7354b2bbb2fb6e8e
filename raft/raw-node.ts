// The synchronous face of the core: feed it inputs, take a Ready, handle it, call advance().
//
// Handling a Ready, in this order:
//   0. optionally, send the messages for which canSendBeforePersist() holds (a leader's appends and
//      heartbeats, forwarded proposals): they depend on nothing this Ready persists, so a leader
//      writes its log while its followers write theirs;
//   1. persist `snapshot`, `entries` and `hardState` — atomically, and with fsync when `mustSync`;
//   2. send the other `messages` — only now: they may depend on the state just persisted (a vote
//      response on the vote, an append acknowledgement on the entries);
//   3. apply `snapshot` then `committedEntries` to the state machine (calling applyConfChange for
//      configuration entries), and serve `readStates` once applied ≥ their index;
//   4. call advance().
// Inputs (tick, step, propose, …) may arrive between ready() and advance(); they are collected into
// the next Ready.
import type { RaftConfig } from './config.js';
import { CORE } from './core-key.js';
import { canSendBeforePersist, type Message, type ProposedEntry } from './messages.js';
import type { ProgressState } from './progress.js';
import { Raft, type ReadState, type Role } from './raft.js';
import {
  entriesSize,
  hardStateEqual,
  NONE,
  type ConfChange,
  type ConfChangeEntry,
  type ConfState,
  type Entry,
  type HardState,
  type NodeId,
  type Snapshot,
} from './types.js';

export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
}

export interface Ready {
  /** Set when leader or role changed since the last Ready. Not persisted. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState;
  /** Entries to append to storage (replacing any conflicting suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader, to persist and then apply. */
  readonly snapshot?: Snapshot;
  /** Entries known committed, to apply in order. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once this Ready is durable. */
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** Whether step 1 must fsync (new entries, term or vote); a commit-only change may be written lazily. */
  readonly mustSync: boolean;
}

export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
}

/** The cheap part of the status, as etcd's BasicStatus: no per-follower progress. */
export interface BasicStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly lead: NodeId;
  readonly role: Role;
  readonly lastIndex: number;
  /** What raft knows the application to have applied. */
  readonly applied: number;
}

export interface Status {
  readonly id: NodeId;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  /** Replication progress of every member; empty unless this member leads. */
  readonly progress: ReadonlyMap<NodeId, PeerStatus>;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | null = null;

  /** Pass a Raft to use a subclass of it (tests inject faults that way); otherwise a config. */
  constructor(configOrRaft: RaftConfig | Raft) {
    this.raft = configOrRaft instanceof Raft ? configOrRaft : new Raft(configOrRaft);
    this.prevSoft = this.softState();
    this.prevHard = this.raft.hardState();
  }

  /** For raft/testing.ts only. */
  get [CORE](): Raft {
    return this.raft;
  }

  tick(): void {
    this.raft.tick();
  }

  step(m: Message): void {
    this.raft.step(m);
  }

  /** Campaigns now (if this member may), skipping the wait for an election timeout. */
  campaign(): void {
    this.raft.hup(false);
  }

  /** Proposes entries; throws ProposalDroppedError when they cannot be appended or forwarded. */
  propose(data: Uint8Array | readonly Uint8Array[]): void {
    const list = data instanceof Uint8Array ? [data] : data;
    this.raft.propose(list.map((d): ProposedEntry => ({ type: 'normal', data: d })));
  }

  /** Throws ConfChangeRejectedError on a leader that cannot take this change now. */
  proposeConfChange(cc: ConfChange): void {
    this.raft.proposeConfChange(cc);
  }

  applyConfChange(entry: ConfChangeEntry): ConfState {
    return this.raft.applyConfChange(entry);
  }

  /** Requests a linearizable read; the answer comes as a ReadState with the same context. */
  readIndex(context: string): void {
    this.raft.readIndex(context);
  }

  transferLeader(to: NodeId): void {
    this.raft.transferLeader(to);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  private softState(): SoftState {
    return { lead: this.raft.lead, role: this.raft.role };
  }

  hasReady(): boolean {
    if (this.outstanding) return false;
    const r = this.raft;
    r.flushBroadcast();
    const soft = this.softState();
    return (
      soft.lead !== this.prevSoft.lead ||
      soft.role !== this.prevSoft.role ||
      !hardStateEqual(r.hardState(), this.prevHard) ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.unstableEntries().length > 0 ||
      r.log.hasPendingSnapshot() ||
      r.log.hasNextCommittedEntries()
    );
  }

  /**
   * Takes, at any time, the pending messages that may leave before anything is persisted
   * (canSendBeforePersist): a leader streams appends to its followers while its own Ready is still
   * being written, instead of waiting for that write to build the next Ready.
   */
  takeMessagesBeforePersist(): Message[] {
    const r = this.raft;
    r.flushBroadcast();
    if (r.msgs.length === 0) return [];
    const early: Message[] = [];
    const rest: Message[] = [];
    for (const m of r.msgs) (canSendBeforePersist(m) ? early : rest).push(m);
    r.msgs = rest;
    return early;
  }

  /** Takes everything accumulated since the last Ready. Call advance() before the next ready(). */
  ready(): Ready {
    if (this.outstanding) throw new Error('raft: ready() called again before advance()');
    const r = this.raft;
    r.flushBroadcast();
    const soft = this.softState();
    const hard = r.hardState();
    const entries = r.log.unstableEntries().slice();
    const snapshot = r.log.unstable.snapshot ?? undefined;
    const rd: {
      -readonly [K in keyof Ready]: Ready[K];
    } = {
      entries,
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    if (soft.lead !== this.prevSoft.lead || soft.role !== this.prevSoft.role) rd.softState = soft;
    if (!hardStateEqual(hard, this.prevHard)) rd.hardState = hard;
    if (snapshot) rd.snapshot = snapshot;
    r.msgs = [];
    r.readStates = [];
    this.prevSoft = soft;
    this.prevHard = hard;
    this.outstanding = rd;
    return rd;
  }

  /** The last Ready was persisted, its messages sent and its committed entries applied. */
  advance(): void {
    const rd = this.advancePersisted();
    if (rd.committedEntries.length > 0) this.raft.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
  }

  /**
   * The last Ready was persisted (its snapshot, if any, already installed) and its messages sent; its
   * committed entries are being applied in the background, and appliedTo() will say when the state
   * holds them. Raft hands out further committed entries meanwhile, within maxCommittedSizePerReady
   * bytes in flight.
   */
  advancePersisted(): Ready {
    const rd = this.outstanding;
    if (!rd) throw new Error('raft: advance() called without an outstanding Ready');
    this.outstanding = null;
    const log = this.raft.log;
    if (rd.snapshot) log.stableSnapTo(rd.snapshot.meta.index);
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      log.stableTo(last.index, last.term);
    }
    if (rd.snapshot) log.appliedTo(rd.snapshot.meta.index);
    if (rd.committedEntries.length > 0) {
      const size = entriesSize(rd.committedEntries);
      log.acceptApplying(rd.committedEntries[rd.committedEntries.length - 1]!.index, size);
      this.raft.reduceUncommittedSize(size);
    }
    this.raft.selfAck();
    return rd;
  }

  /** The application holds every entry up to `index`. */
  appliedTo(index: number): void {
    this.raft.log.appliedTo(index);
  }

  basicStatus(): BasicStatus {
    const r = this.raft;
    return { id: r.id, term: r.term, vote: r.vote, commit: r.log.committed, lead: r.lead, role: r.role, lastIndex: r.log.lastIndex(), applied: r.log.applied };
  }

  /** This member is the configuration's only voter (it may elect itself without waiting). */
  isSoleVoter(): boolean {
    const voters = this.raft.trk.voters;
    return voters.length === 1 && voters[0] === this.raft.id;
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, PeerStatus>();
    if (r.role === 'leader') {
      for (const [id, pr] of r.trk.progress) {
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner, recentActive: pr.recentActive });
      }
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: this.softState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      confState: r.trk.confState(),
      leadTransferee: r.role === 'leader' ? r.leadTransferee : NONE,
      progress,
    };
  }
}
