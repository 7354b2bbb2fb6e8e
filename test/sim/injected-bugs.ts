// Deliberately broken variants of the core, to show that the simulator's checks catch real bugs.
import type { RaftConfig, VoteRequest } from '../../raft/index.js';
import { Raft } from '../../raft/testing.js';
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

/**
 * Counts committed entries as applied as soon as they are handed to the application, as this core
 * did before applies ran in the background: its one-change-at-a-time guard then passes while a
 * configuration change is still being applied.
 */
class AppliedOnHandoutRaft extends Raft {
  constructor(c: RaftConfig) {
    super(c);
    const log = this.log;
    const accept = log.acceptApplying.bind(log);
    log.acceptApplying = (index: number, size: number): void => {
      accept(index, size);
      log.appliedTo(index);
    };
  }
}

export const INJECTED_BUGS: Record<string, RaftFactory> = {
  'double-vote': (c: RaftConfig) => new DoubleVotingRaft(c),
  'vote-ignores-log': (c: RaftConfig) => new LogBlindVotingRaft(c),
  'commit-old-term': (c: RaftConfig) => new OldTermCommittingRaft(c),
  'applied-on-handout': (c: RaftConfig) => new AppliedOnHandoutRaft(c),
};
