// The consensus core: one member's Raft state machine. Inputs are ticks, messages and local requests;
// outputs are collected (messages in `msgs`, read states, log changes) and handed out by RawNode as a
// Ready. No I/O, no clock, no randomness of its own: a run is a pure function of its inputs.
import { resolveConfig, type RaftConfig, type ResolvedRaftConfig } from './config.js';
import { CompactedError, ConfChangeRejectedError, ProposalDroppedError, SnapshotTemporarilyUnavailableError } from './errors.js';
import { RaftLog } from './log.js';
import type { Message, ProposedEntry, VoteRequest } from './messages.js';
import type { Progress } from './progress.js';
import { quorumSize } from './quorum.js';
import type { RandomSource } from './random.js';
import { ReadOnly, type ReadIndexStatus, type ReadRequest } from './read-only.js';
import { ProgressTracker } from './tracker.js';
import {
  entriesSize,
  NONE,
  type ConfChange,
  type ConfChangeEntry,
  type ConfState,
  type Entry,
  type HardState,
  type NodeId,
  type Snapshot,
} from './types.js';

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** A linearizable read is safe once the member has applied up to `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

type CampaignKind = 'preElection' | 'election' | 'transfer';

const EMPTY = new Uint8Array(0);

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly trk: ProgressTracker;

  /** Messages to send once the Ready they are handed out in is durable. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];

  /** A leader transfer in progress: the member leadership is moving to. */
  leadTransferee: NodeId = NONE;
  /** Index of the latest configuration change proposed; a new one waits until it is applied. */
  pendingConfIndex = 0;
  /** Index of the entry (or snapshot) the configuration in force comes from. */
  private configIndex = 0;
  private uncommittedSize = 0;
  private readonly readOnly = new ReadOnly();
  /** Reads that arrived before this leader committed an entry of its own term. */
  private pendingReads: ReadRequest[] = [];
  /** Proposals were appended since the last broadcast: send appends when the Ready is built. */
  private broadcastPending = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private readonly cfg: ResolvedRaftConfig;
  private readonly random: RandomSource;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.random = this.cfg.random;
    this.log = new RaftLog(this.cfg.storage, this.cfg.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    const { hardState, confState } = this.cfg.storage.initialState();
    this.trk.setConfig(confState, this.log.lastIndex() + 1);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) this.loadHardState(hardState);
    if (this.cfg.applied > 0) {
      // What the application holds was committed, whatever commit index was saved last: a lone
      // commit move is saved lazily, and may be lost while the entries it covers were applied.
      const applied = Math.min(this.cfg.applied, this.log.lastIndex());
      this.log.commitTo(applied);
      this.log.appliedTo(applied);
    }
    // initialState's configuration is the one as of the applied index.
    this.configIndex = this.log.applied;
    this.becomeFollower(this.term, NONE);
  }

  private loadHardState(hs: HardState): void {
    if (hs.commit > this.log.lastIndex()) {
      throw new Error(`raft invariant: stored commit ${hs.commit} is beyond the last index ${this.log.lastIndex()}`);
    }
    // A commit written lazily may lag the snapshot; the snapshot's index is committed by definition.
    this.log.committed = Math.max(hs.commit, this.log.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  get electionTimeout(): number {
    return this.cfg.electionTick;
  }

  // ---------------------------------------------------------------- role transitions

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.random.int(this.cfg.electionTick);
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    this.trk.resetProgress(this.log.lastIndex() + 1, this.id, this.log.lastStableIndex());
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly.reset();
    this.pendingReads = [];
    this.broadcastPending = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    // A pre-candidate changes neither term nor vote: a lost pre-vote leaves no trace.
    this.trk.resetVotes();
    this.lead = NONE;
    this.role = 'preCandidate';
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.trk.progress.get(this.id)?.becomeReplicate();
    // Entries from earlier terms may hide a configuration change: wait until all are applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of the new term: committing it commits everything before it (§5.4.2).
    this.appendEntries([{ type: 'normal', data: EMPTY }]);
  }

  /** A member may campaign only if it is a voter and not about to install a snapshot. */
  promotable(): boolean {
    return this.trk.isVoter(this.id) && !this.log.hasPendingSnapshot();
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.trk.quorumActive(this.id)) {
          // Cut off from a majority: stop acting as leader so clients go elsewhere.
          this.becomeFollower(this.term, NONE);
          return;
        }
        this.trk.resetRecentActive(this.id);
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  // ---------------------------------------------------------------- elections

  /** Starts an election now (if this member may). */
  hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) return;
    // A committed configuration change not yet applied may remove this member: apply it first.
    if (this.hasUnappliedConfChanges()) return;
    if (transfer) this.campaign('transfer');
    else this.campaign(this.cfg.preVote ? 'preElection' : 'election');
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    try {
      const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
      for (const e of this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER)) {
        if (e.type === 'confChange') return true;
      }
      return false;
    } catch (e) {
      if (e instanceof CompactedError) return false;
      throw e;
    }
  }

  private campaign(kind: CampaignKind): void {
    let term: number;
    let type: 'vote' | 'preVote';
    if (kind === 'preElection') {
      this.becomePreCandidate();
      type = 'preVote';
      term = this.term + 1; // the term it would campaign in; its own term stays
    } else {
      this.becomeCandidate();
      type = 'vote';
      term = this.term;
    }
    this.trk.recordVote(this.id, true);
    if (this.trk.tallyVotes() === 'won') {
      // A single-voter cluster wins at once.
      if (kind === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const to of this.trk.voters) {
      if (to === this.id) continue;
      this.msgs.push({ type, from: this.id, to, term, lastIndex, lastTerm, transfer: kind === 'transfer' });
    }
  }

  /** Whether this member may vote for the sender (before the up-to-date check). */
  protected canVote(m: VoteRequest): boolean {
    return (
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      // A pre-vote for a future term does not bind us: grant it to any up-to-date log.
      (m.type === 'preVote' && m.term > this.term)
    );
  }

  /** §5.4.1: vote only for a candidate whose log is at least as up to date as ours. */
  protected candidateLogOk(m: VoteRequest): boolean {
    return this.log.isUpToDate(m.lastIndex, m.lastTerm);
  }

  private handleVoteRequest(m: VoteRequest): void {
    const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    if (this.canVote(m) && this.candidateLogOk(m)) {
      // Answer in the request's term: a pre-candidate must recognise the grant as for its campaign.
      this.msgs.push({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.msgs.push({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  // ---------------------------------------------------------------- message dispatch

  step(m: Message): void {
    if (m.term === 0) {
      // Forwarded proposals and reads are not bound to a term.
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        // We heard from a leader within the election timeout: a campaign now can only disrupt it.
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (!m.transfer && inLease) return;
      }
      if (m.type === 'preVote') {
        // Never change term on a pre-vote request.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A granted pre-vote carries the future term; the term changes only when the election starts.
      } else {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'heartbeat' || m.type === 'append')) {
        // A leader from an older term (cut off, then back) learns of ours from this and steps down.
        // Without it, a member with a higher term could never rejoin: its votes are ignored in lease.
        this.msgs.push({ type: 'appendResp', from: this.id, to: m.from, term: this.term, index: 0, reject: false, rejectHint: 0, rejectTerm: 0 });
      } else if (m.type === 'preVote') {
        this.msgs.push({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'propose':
        // Forwarded: the follower's client times out if it is dropped.
        if (this.proposalRefusal() === null) this.appendProposal(m.entries);
        return;
      case 'readIndex':
        this.handleReadIndex({ from: m.from, context: m.context });
        return;
      case 'transferLeader':
        this.startTransfer(m.transferee);
        return;
      case 'appendResp':
        this.handleAppendResponse(m.from, m.index, m.reject, m.rejectHint, m.rejectTerm);
        return;
      case 'heartbeatResp':
        this.handleHeartbeatResponse(m.from, m.context);
        return;
      default:
        // Stale vote responses, and messages no leader of this term can receive.
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    switch (m.type) {
      case 'append':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m.from, m.prevIndex, m.prevTerm, m.commit, m.entries);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m.from, m.commit, m.context);
        return;
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m.from, m.snapshot);
        return;
      case 'voteResp':
      case 'preVoteResp': {
        if (m.type !== myResp) return;
        this.trk.recordVote(m.from, !m.reject);
        const result = this.trk.tallyVotes();
        if (result === 'won') {
          if (this.role === 'preCandidate') this.campaign('election');
          else this.becomeLeader();
        } else if (result === 'lost') {
          // A pre-candidate keeps its term; a candidate stays in the term it started.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return; // proposals and reads wait for a leader; the caller retries
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'propose':
      case 'readIndex':
        if (this.lead === NONE) return;
        this.msgs.push({ ...m, to: this.lead });
        return;
      case 'transferLeader':
        if (this.lead === NONE) return;
        this.msgs.push({ ...m, from: this.id, to: this.lead, term: this.term });
        return;
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m.from, m.prevIndex, m.prevTerm, m.commit, m.entries);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m.from, m.commit, m.context);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m.from, m.snapshot);
        return;
      case 'timeoutNow':
        // The leader hands over to us: campaign at once, past any lease.
        this.hup(true);
        return;
      case 'readIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower side of replication

  private handleAppend(from: NodeId, prevIndex: number, prevTerm: number, commit: number, ents: readonly Entry[]): void {
    const reply = (index: number, reject: boolean, rejectHint: number, rejectTerm: number): void => {
      this.msgs.push({ type: 'appendResp', from: this.id, to: from, term: this.term, index, reject, rejectHint, rejectTerm });
    };
    if (prevIndex < this.log.committed) {
      // Already have (and committed) this part: tell the leader where we are.
      reply(this.log.committed, false, 0, 0);
      return;
    }
    const lastNew = this.log.maybeAppend(prevIndex, prevTerm, commit, ents);
    if (lastNew !== null) {
      reply(lastNew, false, 0, 0);
      return;
    }
    // Mismatch: hint the largest index whose term is ≤ prevTerm, so the leader skips a term at once.
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(Math.min(prevIndex, this.log.lastIndex()), prevTerm);
    reply(prevIndex, true, hintIndex, hintTerm);
  }

  private handleHeartbeat(from: NodeId, commit: number, context: string): void {
    // The leader sends min(our match, its commit), so this never exceeds what we hold.
    this.log.commitTo(Math.min(commit, this.log.lastIndex()));
    this.msgs.push({ type: 'heartbeatResp', from: this.id, to: from, term: this.term, context });
  }

  private handleSnapshot(from: NodeId, snap: Snapshot): void {
    const reply = (index: number): void => {
      this.msgs.push({ type: 'appendResp', from: this.id, to: from, term: this.term, index, reject: false, rejectHint: 0, rejectTerm: 0 });
    };
    if (this.restore(snap)) reply(this.log.lastIndex());
    else reply(this.log.committed);
  }

  /** Installs a leader's snapshot; false if we already have everything it holds. */
  private restore(snap: Snapshot): boolean {
    const { index, term, confState } = snap.meta;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: just fast-forward the commit index.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snap);
    this.configIndex = index;
    // The snapshot's configuration replaces ours; it may predate our own addition, which a later
    // entry then applies.
    this.trk.setConfig(confState, this.log.lastIndex() + 1);
    return true;
  }

  // ---------------------------------------------------------------- leader side of replication

  /** Why a local proposal would be dropped now, or null if it would be appended. */
  proposalRefusal(): string | null {
    if (this.role !== 'leader') return this.lead === NONE ? 'no leader' : null;
    if (!this.trk.isMember(this.id)) return 'this member was removed from the cluster';
    if (this.leadTransferee !== NONE) return 'leadership transfer in progress';
    return null;
  }

  /** Appends proposed entries on the leader; a configuration change that may not go now becomes a no-op. */
  private appendProposal(proposed: readonly ProposedEntry[]): boolean {
    const accepted: ProposedEntry[] = [];
    for (const p of proposed) {
      if (p.type === 'confChange' && this.confChangeRefusal(p.change) !== null) {
        accepted.push({ type: 'normal', data: EMPTY });
      } else {
        if (p.type === 'confChange') this.pendingConfIndex = this.log.lastIndex() + accepted.length + 1;
        accepted.push(p);
      }
    }
    return this.appendEntries(accepted);
  }

  private appendEntries(proposed: readonly ProposedEntry[]): boolean {
    let index = this.log.lastIndex();
    const ents: Entry[] = proposed.map((p) =>
      p.type === 'normal'
        ? { type: 'normal', term: this.term, index: ++index, data: p.data }
        : { type: 'confChange', term: this.term, index: ++index, change: p.change },
    );
    const size = entriesSize(ents);
    const max = this.cfg.maxUncommittedEntriesSize;
    // Always accept at least one batch, so a single oversized proposal cannot wedge the leader.
    if (max > 0 && this.uncommittedSize > 0 && this.uncommittedSize + size > max) return false;
    this.uncommittedSize += size;
    this.log.append(ents);
    this.broadcastPending = true;
    return true;
  }

  /** Why this configuration change cannot be proposed now, or null. */
  confChangeRefusal(cc: ConfChange): string | null {
    if (this.pendingConfIndex > this.log.applied) return 'a previous configuration change is not yet applied';
    // Ongaro's single-server fix: a new leader changes the configuration only after committing in its term.
    if (this.log.term(this.log.committed) !== this.term) return 'the leader has not yet committed an entry in its term';
    const voter = this.trk.isVoter(cc.nodeId);
    const learner = this.trk.isLearner(cc.nodeId);
    switch (cc.type) {
      case 'addVoter':
        return voter ? 'the member is already a voter' : null;
      case 'addLearner':
        if (voter) return 'a voter cannot be demoted to a learner';
        return learner ? 'the member is already a learner' : null;
      case 'removeNode':
        if (!voter && !learner) return 'the member is not in the cluster';
        if (voter && this.trk.voters.length === 1) return 'cannot remove the last voter';
        return null;
    }
  }

  /** Sends queued appends after proposals; RawNode calls this when it builds a Ready. */
  flushBroadcast(): void {
    if (!this.broadcastPending) return;
    this.broadcastPending = false;
    if (this.role === 'leader') this.bcastAppend();
  }

  private bcastAppend(): void {
    for (const id of this.trk.members()) {
      if (id === this.id) continue;
      // In the replicate state, fill the flow-control window now rather than one append per ack.
      if (this.sendAppend(id, true)) while (this.sendAppend(id, false)) continue;
    }
  }

  /** Sends the follower what it lacks (entries, or a snapshot). Returns whether a message went out. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let ents: Entry[] | null = null;
    if (prevTerm !== null) {
      try {
        ents = this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsg);
      } catch (e) {
        if (!(e instanceof CompactedError)) throw e;
      }
    }
    if (prevTerm === null || ents === null) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.msgs.push({ type: 'append', from: this.id, to, term: this.term, prevIndex, prevTerm, entries: ents, commit: this.log.committed });
    const last = ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex;
    pr.sentEntries(last, entriesSize(ents), ents.length);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // A follower we have not heard from may be down: don't ship a snapshot into the void.
    if (!pr.recentActive) return false;
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) return false;
      throw e;
    }
    if (snap.meta.index === 0) throw new Error('raft invariant: need a snapshot but none exists');
    pr.becomeSnapshot(snap.meta.index);
    this.msgs.push({ type: 'snapshot', from: this.id, to, term: this.term, snapshot: snap });
    return true;
  }

  private bcastHeartbeat(): void {
    const context = this.readOnly.lastPendingContext();
    for (const id of this.trk.members()) {
      if (id === this.id) continue;
      const pr = this.trk.progress.get(id)!;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, this.log.committed);
      this.msgs.push({ type: 'heartbeat', from: this.id, to: id, term: this.term, commit, context });
    }
  }

  private handleAppendResponse(from: NodeId, index: number, reject: boolean, rejectHint: number, rejectTerm: number): void {
    const pr = this.trk.progress.get(from);
    if (!pr) return;
    pr.recentActive = true;
    if (reject) {
      const next = rejectTerm > 0 ? this.log.findConflictByTerm(rejectHint, rejectTerm)[0] : rejectHint;
      if (pr.maybeDecrTo(index, next)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    const updated = pr.maybeUpdate(index);
    // A probe answered at the match point we already knew also ends probing.
    if (!updated && !(pr.match === index && pr.state === 'probe')) return;
    pr.ackedSinceHeartbeat = true;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
      // The follower caught up past the snapshot (or got it): replicate from the log again.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(index);

    if (this.maybeCommit()) this.onCommitAdvanced();
    // A follower that was paused when the commit last moved missed that broadcast: tell it now.
    else if (wasPaused) this.sendAppend(from, true);
    // Pipeline: keep sending while the flow-control window has room.
    while (this.sendAppend(from, false)) {
      /* send as many appends as the window allows */
    }
    if (from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(from);
  }

  private handleHeartbeatResponse(from: NodeId, context: string): void {
    const pr = this.trk.progress.get(from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // The window is full and nothing was acknowledged for a whole heartbeat: the appends in it were
    // lost (or are stuck), so probe again rather than wait forever. A busy follower that acks keeps
    // its pipeline.
    if (pr.state === 'replicate' && pr.inflights.full() && !pr.ackedSinceHeartbeat) pr.becomeProbe();
    pr.ackedSinceHeartbeat = false;
    if (pr.match < this.log.lastIndex()) this.sendAppend(from, true);
    if (context === '') return;
    const acks = this.readOnly.recvAck(from, context);
    if (!acks) return;
    let votes = 0;
    for (const id of this.trk.voters) if (acks.has(id)) votes++;
    if (votes < quorumSize(this.trk.voters.length)) return;
    for (const rs of this.readOnly.advance(context)) this.answerRead(rs);
  }

  /** Commits by counting replicas, only entries of the current term (§5.4.2). */
  protected maybeCommit(): boolean {
    return this.log.maybeCommit(this.trk.committed(), this.term);
  }

  private onCommitAdvanced(): void {
    // Reads that waited for this leader's first commit can now be confirmed.
    if (this.pendingReads.length > 0 && this.committedInCurrentTerm()) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.confirmRead(r);
    }
    this.bcastAppend();
  }

  /** The leader's own entries became durable: they now count towards the commit quorum. */
  selfAck(): void {
    const pr = this.trk.progress.get(this.id);
    if (!pr) return;
    if (pr.maybeUpdate(this.log.lastStableIndex()) && this.role === 'leader' && this.maybeCommit()) {
      this.onCommitAdvanced();
    }
  }

  // ---------------------------------------------------------------- reads

  /** A linearizable read: answered with a ReadState once leadership is confirmed. */
  readIndex(context: string): void {
    if (this.role === 'leader') this.handleReadIndex({ from: this.id, context });
    else if (this.lead !== NONE) this.msgs.push({ type: 'readIndex', from: this.id, to: this.lead, term: 0, context });
    else throw new ProposalDroppedError('no leader');
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private handleReadIndex(req: ReadRequest): void {
    // Until it commits in its term, a new leader does not know the latest commit index (§6.4) —
    // not even a leader that is the only voter.
    if (!this.committedInCurrentTerm()) {
      this.pendingReads.push(req);
      return;
    }
    this.confirmRead(req);
  }

  private confirmRead(req: ReadRequest): void {
    if (this.trk.voters.length === 1 && this.trk.isVoter(this.id)) {
      // The only voter: no one else could have become leader, so no heartbeat round is needed.
      this.answerRead({ request: req, index: this.log.committed, acks: new Set() });
      return;
    }
    this.readOnly.add(this.log.committed, req);
    this.readOnly.recvAck(this.id, req.context);
    // Heartbeats carrying the context confirm leadership without touching the log.
    this.bcastHeartbeat();
  }

  private answerRead(rs: ReadIndexStatus): void {
    const { from, context } = rs.request;
    if (from === this.id) this.readStates.push({ index: rs.index, context });
    else this.msgs.push({ type: 'readIndexResp', from: this.id, to: from, term: this.term, index: rs.index, context });
  }

  // ---------------------------------------------------------------- local proposals

  propose(proposed: readonly ProposedEntry[]): void {
    const why = this.proposalRefusal();
    if (why !== null) throw new ProposalDroppedError(why);
    if (this.role === 'leader') {
      if (!this.appendProposal(proposed)) throw new ProposalDroppedError('too many uncommitted entries', true);
    } else {
      this.msgs.push({ type: 'propose', from: this.id, to: this.lead, term: 0, entries: proposed });
    }
  }

  proposeConfChange(cc: ConfChange): void {
    if (this.role === 'leader') {
      const why = this.confChangeRefusal(cc);
      if (why !== null) throw new ConfChangeRejectedError(why);
    }
    this.propose([{ type: 'confChange', change: cc }]);
  }

  // ---------------------------------------------------------------- leader transfer

  transferLeader(transferee: NodeId): void {
    if (this.role === 'leader') this.startTransfer(transferee);
    else if (this.lead !== NONE) this.msgs.push({ type: 'transferLeader', from: this.id, to: this.lead, term: this.term, transferee });
  }

  private startTransfer(transferee: NodeId): void {
    const pr = this.trk.progress.get(transferee);
    if (!pr || pr.isLearner || transferee === this.id) return;
    if (this.leadTransferee === transferee) return;
    this.leadTransferee = transferee;
    // The transfer must finish within one election timeout, or it is abandoned.
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee, true);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.msgs.push({ type: 'timeoutNow', from: this.id, to, term: this.term });
  }

  // ---------------------------------------------------------------- membership

  /**
   * Applies a committed configuration change; the application calls it when it applies the entry.
   * An entry at or below the configuration already in force (one that came with a snapshot
   * installed meanwhile) changes nothing.
   */
  applyConfChange(entry: ConfChangeEntry): ConfState {
    if (entry.index <= this.configIndex) return this.trk.confState();
    this.configIndex = entry.index;
    const cc = entry.change;
    const voters = new Set(this.trk.voters);
    const learners = new Set(this.trk.learners);
    switch (cc.type) {
      case 'addVoter':
        learners.delete(cc.nodeId);
        voters.add(cc.nodeId);
        break;
      case 'addLearner':
        if (!voters.has(cc.nodeId)) learners.add(cc.nodeId);
        break;
      case 'removeNode':
        voters.delete(cc.nodeId);
        learners.delete(cc.nodeId);
        break;
    }
    if (voters.size === 0) return this.trk.confState(); // never leave a cluster without voters
    this.switchToConfig({ voters: [...voters], learners: [...learners] });
    return this.trk.confState();
  }

  private switchToConfig(cs: ConfState): void {
    this.trk.setConfig(cs, this.log.lastIndex() + 1);
    if (this.role !== 'leader') return;
    if (!this.trk.isVoter(this.id)) {
      // Removed (or demoted): hand leadership to the most up-to-date voter, then step down.
      let best: NodeId = NONE;
      let bestMatch = -1;
      for (const id of this.trk.voters) {
        const m = this.trk.progress.get(id)!.match;
        if (m > bestMatch) {
          best = id;
          bestMatch = m;
        }
      }
      if (best !== NONE && bestMatch === this.log.lastIndex()) this.sendTimeoutNow(best);
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.trk.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
    // The quorum changed: the commit index may move, and new members need the log.
    if (this.maybeCommit()) this.onCommitAdvanced();
    else this.bcastAppend();
  }

  // ---------------------------------------------------------------- transport feedback

  /** The transport could not reach `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: NodeId): void {
    const pr = this.trk.progress.get(id);
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.trk.progress.get(id);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    // Wait for the follower's answer (or the next heartbeat) before sending more.
    pr.becomeProbe();
    pr.probeSent = true;
  }

  /** Committed entries of `size` bytes left the uncommitted budget. */
  reduceUncommittedSize(size: number): void {
    this.uncommittedSize = Math.max(0, this.uncommittedSize - size);
  }
}
