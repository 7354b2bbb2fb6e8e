// The leader's view of the configuration: who votes, who learns, each one's Progress, and the votes
// collected in the current election.
import { Progress } from './progress.js';
import { committedIndex, voteResult, quorumSize, type VoteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    private readonly maxInflight: number,
    private readonly maxInflightBytes: number,
  ) {}

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.learners.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  /** Every member, voters then learners, each list sorted: a deterministic order for sending. */
  members(): NodeId[] {
    return [...this.voters, ...this.learners];
  }

  /** Replaces the configuration, keeping the Progress of members that stay. */
  setConfig(cs: ConfState, next: number): void {
    this.voters = [...cs.voters].sort((a, b) => a - b);
    this.learners = [...cs.learners].sort((a, b) => a - b);
    const keep = new Set(this.members());
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of this.voters) this.ensure(id, next, false);
    for (const id of this.learners) this.ensure(id, next, true);
  }

  private ensure(id: NodeId, next: number, learner: boolean): void {
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = learner;
      return;
    }
    const fresh = new Progress(next, this.maxInflight, this.maxInflightBytes, learner);
    // A member just added counts as active so check-quorum does not depose the leader at once.
    fresh.recentActive = true;
    this.progress.set(id, fresh);
  }

  /** Resets every Progress for a new term (on becoming leader, or follower). */
  resetProgress(next: number, self: NodeId, selfMatch: number): void {
    for (const [id, pr] of this.progress) {
      const fresh = new Progress(next, this.maxInflight, this.maxInflightBytes, pr.isLearner);
      if (id === self) fresh.match = selfMatch;
      this.progress.set(id, fresh);
    }
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Whether a majority of voters were heard from recently. */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= quorumSize(this.voters.length);
  }

  resetRecentActive(self: NodeId): void {
    for (const [id, pr] of this.progress) pr.recentActive = id === self;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }
}
