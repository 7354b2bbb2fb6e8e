// Deliberately broken variants of the core, to show that the simulator's checks catch real bugs.
import { Raft, type RaftConfig, type VoteRequest } from '../../raft/index.js';
import type { RaftFactory } from './sim-member.js';

/** Votes for every up-to-date candidate, even after voting for another one in the same term. */
class DoubleVotingRaft extends Raft {
  protected override canVote(_m: VoteRequest): boolean {
    return true;
  }
}

/** Votes for candidates whose log is behind its own, so a leader may lack committed entries. */
class LogBlindVotingRaft extends Raft {
  protected override candidateLogOk(_m: VoteRequest): boolean {
    return true;
  }
}

/** Commits whatever a majority holds, ignoring the rule that only current-term entries count (§5.4.2). */
class OldTermCommittingRaft extends Raft {
  protected override maybeCommit(): boolean {
    const index = this.trk.committed();
    if (index <= this.log.committed || index > this.log.lastIndex()) return false;
    this.log.commitTo(index);
    return true;
  }
}

export const INJECTED_BUGS: Record<string, RaftFactory> = {
  'double-vote': (c: RaftConfig) => new DoubleVotingRaft(c),
  'vote-ignores-log': (c: RaftConfig) => new LogBlindVotingRaft(c),
  'commit-old-term': (c: RaftConfig) => new OldTermCommittingRaft(c),
};
