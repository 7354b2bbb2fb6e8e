// Majority arithmetic (quorum.ts), the tracker that applies it to one configuration, and the
// per-follower Progress state machine (probe → replicate ⇄ snapshot).
import { describe, expect, it } from 'vitest';
import { Progress } from '../../raft/progress.js';
import { committedIndex, quorumSize, voteResult } from '../../raft/quorum.js';
import { ProgressTracker } from '../../raft/tracker.js';

describe('quorumSize', () => {
  it('is a strict majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('committedIndex: the largest index a majority of voters has acknowledged', () => {
  const cases: [number[], number][] = [
    [[5], 5],
    [[5, 3], 3],
    [[5, 3, 1], 3],
    [[1, 5, 3], 3],
    [[5, 5, 1, 1], 1],
    [[5, 5, 5, 1], 5],
    [[9, 8, 7, 0, 0], 7],
    [[9, 8, 0, 0, 0], 0],
  ];
  for (const [acked, want] of cases) {
    it(`acks ${JSON.stringify(acked)} → ${want}`, () => {
      const voters = acked.map((_, i) => i + 1);
      expect(committedIndex(voters, (id) => acked[id - 1]!)).toBe(want);
    });
  }

  it('a voter never heard from counts as 0', () => {
    expect(committedIndex([1, 2, 3], (id) => (id === 1 ? 7 : 0))).toBe(0);
  });
});

describe('voteResult: won with a majority of yes, lost once a majority is out of reach', () => {
  const cases: [number, [number, boolean][], string][] = [
    [1, [[1, true]], 'won'],
    [1, [], 'pending'],
    [3, [[1, true]], 'pending'],
    [3, [[1, true], [2, true]], 'won'],
    [3, [[1, true], [2, false]], 'pending'],
    [3, [[1, false], [2, false]], 'lost'],
    [4, [[1, true], [2, true]], 'pending'],
    [4, [[1, true], [2, false], [3, false]], 'lost'],
    [5, [[1, true], [2, true], [3, false], [4, false]], 'pending'],
    [5, [[1, true], [2, true], [3, true]], 'won'],
  ];
  for (const [n, votes, want] of cases) {
    it(`${n} voters, ${JSON.stringify(votes)} → ${want}`, () => {
      const voters = Array.from({ length: n }, (_, i) => i + 1);
      expect(voteResult(voters, new Map(votes))).toBe(want);
    });
  }

  it('votes from non-voters are not counted', () => {
    expect(voteResult([1, 2, 3], new Map([[1, true], [4, true], [5, true]]))).toBe('pending');
  });
});

describe('ProgressTracker', () => {
  function tracker(): ProgressTracker {
    const t = new ProgressTracker(4, 0);
    t.setConfig({ voters: [3, 1, 2], learners: [4] }, 11);
    return t;
  }

  it('keeps voters and learners sorted, each with a Progress starting at next', () => {
    const t = tracker();
    expect(t.members()).toEqual([1, 2, 3, 4]);
    expect([t.isVoter(4), t.isLearner(4), t.isMember(5)]).toEqual([false, true, false]);
    expect(t.progress.get(2)).toMatchObject({ match: 0, next: 11, state: 'probe', isLearner: false });
  });

  it('commits by the voters\' matches only: a learner\'s does not count', () => {
    const t = tracker();
    t.progress.get(1)!.match = 10;
    t.progress.get(4)!.match = 10;
    expect(t.committed()).toBe(0);
    t.progress.get(2)!.match = 8;
    expect(t.committed()).toBe(8);
  });

  it('a new configuration keeps the Progress of members that stay, and drops those that left', () => {
    const t = tracker();
    t.progress.get(2)!.match = 9;
    t.setConfig({ voters: [1, 2, 4], learners: [] }, 20);
    expect(t.progress.get(2)!.match).toBe(9);
    expect(t.progress.get(4)!.isLearner).toBe(false);
    expect(t.progress.has(3)).toBe(false);
  });

  it('quorumActive: the member itself plus enough recently active voters', () => {
    const t = tracker();
    t.resetRecentActive(1);
    expect(t.quorumActive(1)).toBe(false);
    t.progress.get(4)!.recentActive = true; // a learner
    expect(t.quorumActive(1)).toBe(false);
    t.progress.get(3)!.recentActive = true;
    expect(t.quorumActive(1)).toBe(true);
  });

  it('records one vote per member', () => {
    const t = tracker();
    t.recordVote(1, true);
    t.recordVote(2, false);
    t.recordVote(2, true);
    expect(t.tallyVotes()).toBe('pending');
    t.recordVote(3, true);
    expect(t.tallyVotes()).toBe('won');
  });
});

describe('Progress', () => {
  it('probe: one append at a time; an acknowledgement switches to replicate', () => {
    const p = new Progress(6, 2, 0, false);
    p.sentEntries(8, 10, 3);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(8)).toBe(true);
    p.becomeReplicate();
    expect([p.state, p.match, p.next, p.isPaused()]).toEqual(['replicate', 8, 9, false]);
  });

  it('replicate: next moves optimistically; the window pauses it', () => {
    const p = new Progress(1, 2, 0, false);
    p.becomeReplicate();
    p.sentEntries(3, 10, 3);
    p.sentEntries(5, 10, 2);
    expect([p.next, p.isPaused()]).toEqual([6, true]);
    p.maybeUpdate(3);
    p.inflights.freeLE(3);
    expect(p.isPaused()).toBe(false);
  });

  it('maybeDecrTo in probe: only for the append it sent; next goes to the hint, never below match + 1', () => {
    const p = new Progress(11, 4, 0, false);
    p.match = 3;
    expect(p.maybeDecrTo(5, 2)).toBe(false); // not the probe outstanding (prevIndex 10)
    expect(p.maybeDecrTo(10, 6)).toBe(true);
    expect(p.next).toBe(7);
    expect(p.maybeDecrTo(6, 0)).toBe(true);
    expect(p.next).toBe(4);
  });

  it('maybeDecrTo in replicate: a rejection at or below match is stale; otherwise back to match + 1', () => {
    const p = new Progress(1, 4, 0, false);
    p.maybeUpdate(5);
    p.becomeReplicate();
    p.sentEntries(9, 10, 4);
    expect(p.maybeDecrTo(5, 0)).toBe(false);
    expect(p.maybeDecrTo(8, 3)).toBe(true);
    expect(p.next).toBe(6);
  });

  it('snapshot: paused until it lands; probing resumes after the snapshot index', () => {
    const p = new Progress(1, 4, 0, false);
    p.becomeSnapshot(20);
    expect([p.state, p.isPaused()]).toEqual(['snapshot', true]);
    p.becomeProbe();
    expect([p.state, p.next]).toEqual(['probe', 21]);
  });
});
