// §5.2 Leader election: followers campaign after a randomized election timeout without word from a
// leader; a member votes at most once per term; a candidate wins with a majority, steps down when a
// leader of its term shows up, and tries again after another timeout; a leader keeps its authority
// with heartbeats.
import { describe, expect, it } from 'vitest';
import { NONE, type NodeId, type RandomSource } from '../../raft/index.js';
import { append, heartbeat, only, Solo, voteReq, voteResp, type Overrides } from './helpers.js';

/** A random source that always answers the same fraction of its range. */
function fixed(pick: (n: number) => number, seen: number[] = []): RandomSource {
  return {
    int(n: number): number {
      seen.push(n);
      return pick(n);
    },
  };
}

/** Ticks until the member leaves the follower role; returns how many ticks that took. */
function ticksUntilCampaign(s: Solo, limit = 1000): number {
  for (let i = 1; i <= limit; i++) {
    s.tick();
    if (s.raft.role !== 'follower') return i;
  }
  return -1;
}

const noPreVote: Overrides = { preVote: false };

describe('§5.2: a follower campaigns after its election timeout', () => {
  it('increments its term, votes for itself and asks every other voter, with its last index and term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], learners: [4], terms: [1, 1, 2], term: 2, commit: 3 }, { ...noPreVote, electionTick: 10 }, fixed(() => 0));
    s.flush();
    s.tick(9);
    expect(s.raft.role).toBe('follower');
    s.tick();
    expect(s.raft.role).toBe('candidate');
    const rd = s.ready()!;
    // Term and self-vote are persisted in the same Ready that carries the requests.
    expect(rd.hardState).toMatchObject({ term: 3, vote: 1 });
    expect(rd.mustSync).toBe(true);
    const reqs = only(rd.messages, 'vote');
    expect(reqs.map((m) => m.to).sort()).toEqual([2, 3]); // not itself, not the learner
    for (const m of reqs) expect(m).toMatchObject({ term: 3, lastIndex: 3, lastTerm: 2, transfer: false });
  });

  it('waits a timeout drawn from [electionTick, 2·electionTick)', () => {
    const asked: number[] = [];
    const shortest = new Solo(1, { voters: [1, 2, 3] }, { ...noPreVote, electionTick: 10 }, fixed(() => 0, asked));
    const longest = new Solo(1, { voters: [1, 2, 3] }, { ...noPreVote, electionTick: 10 }, fixed((n) => n - 1, asked));
    expect(ticksUntilCampaign(shortest)).toBe(10);
    expect(ticksUntilCampaign(longest)).toBe(19);
    expect(new Set(asked)).toEqual(new Set([10]));
  });

  it('different random sources give different timeouts, all within the range', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 100; seed++) {
      const s = new Solo(1, { voters: [1, 2, 3] }, { ...noPreVote, electionTick: 10 }, seed);
      const t = ticksUntilCampaign(s);
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      seen.add(t);
    }
    // Randomized so that split votes are rare: the timeouts spread over the range.
    expect(seen.size).toBeGreaterThanOrEqual(8);
  });

  it('never campaigns while a leader keeps sending heartbeats', () => {
    const s = new Solo(1, { voters: [1, 2, 3], term: 1 }, { electionTick: 10 });
    for (let i = 0; i < 10; i++) {
      s.step(heartbeat(2, 1, 1));
      s.tick(9);
    }
    expect(s.raft.role).toBe('follower');
    expect(s.raft.term).toBe(1);
    expect(s.raft.lead).toBe(2);
  });

  it('a learner never campaigns', () => {
    const s = new Solo(4, { voters: [1, 2, 3], learners: [4] }, { electionTick: 10 });
    s.tick(100);
    expect(s.raft.role).toBe('follower');
    expect(s.raft.term).toBe(0);
  });
});

describe('§5.2: each member votes at most once per term, first come first served', () => {
  it('grants the first candidate, refuses a second one, and grants the first again if it asks twice', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 });
    s.flush();
    s.step(voteReq(2, 1, 2, 1, 1));
    const granted = s.ready()!;
    expect(only(granted.messages, 'voteResp', 2)).toEqual([voteResp(1, 2, 2)]);
    // The vote is persisted before the grant leaves.
    expect(granted.hardState).toMatchObject({ term: 2, vote: 2 });

    s.step(voteReq(3, 1, 2, 1, 1));
    expect(only(s.flush(), 'voteResp', 3)).toEqual([voteResp(1, 3, 2, { reject: true })]);

    s.step(voteReq(2, 1, 2, 1, 1));
    expect(only(s.flush(), 'voteResp', 2)).toEqual([voteResp(1, 2, 2)]);
    expect(s.raft.vote).toBe(2);
  });

  it('a vote survives a restart: the restarted member refuses another candidate of that term', () => {
    const first = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 });
    first.step(voteReq(2, 1, 2, 1, 1));
    first.flush();
    const hs = first.storage.hardStateNow();
    const again = new Solo(1, { voters: [1, 2, 3], terms: [1], term: hs.term, vote: hs.vote });
    again.step(voteReq(3, 1, 2, 1, 1));
    expect(only(again.flush(), 'voteResp', 3)[0]!.reject).toBe(true);
  });

  it('a candidate has voted for itself and refuses other candidates of its term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 }, noPreVote);
    s.node.campaign();
    s.flush();
    s.step(voteReq(2, 1, 2, 5, 1));
    expect(only(s.flush(), 'voteResp', 2)[0]!.reject).toBe(true);
    expect(s.raft.vote).toBe(1);
  });
});

describe('§5.2: a candidate wins with votes from a majority of the voters', () => {
  const cases: [string, NodeId[], [NodeId, boolean][], string][] = [
    ['a single voter', [1], [], 'leader'],
    ['3 voters, one grant', [1, 2, 3], [[2, true]], 'leader'],
    ['3 voters, one refusal', [1, 2, 3], [[2, false]], 'candidate'],
    ['3 voters, two refusals', [1, 2, 3], [[2, false], [3, false]], 'follower'],
    ['5 voters, one grant', [1, 2, 3, 4, 5], [[2, true]], 'candidate'],
    ['5 voters, one grant counted twice', [1, 2, 3, 4, 5], [[2, true], [2, true]], 'candidate'],
    ['5 voters, two grants', [1, 2, 3, 4, 5], [[2, true], [3, true]], 'leader'],
    ['5 voters, one grant, two refusals', [1, 2, 3, 4, 5], [[2, true], [3, false], [4, false]], 'candidate'],
    ['5 voters, three refusals', [1, 2, 3, 4, 5], [[2, false], [3, false], [4, false]], 'follower'],
  ];
  for (const [name, voters, responses, role] of cases) {
    it(`${name} → ${role}`, () => {
      const s = new Solo(1, { voters, terms: [1], term: 1 }, noPreVote);
      s.node.campaign();
      for (const [from, granted] of responses) s.step(voteResp(from, 1, 2, { reject: !granted }));
      expect(s.raft.role).toBe(role);
      expect(s.raft.term).toBe(2);
      if (role === 'leader') expect(s.raft.lead).toBe(1);
    });
  }

  it('a learner granting its vote does not count', () => {
    const s = new Solo(1, { voters: [1, 2, 3], learners: [4, 5], terms: [1], term: 1 }, noPreVote);
    s.node.campaign();
    s.step(voteResp(4, 1, 2), voteResp(5, 1, 2));
    expect(s.raft.role).toBe('candidate');
  });

  it('a new leader at once sends every member an append, so no one else campaigns', () => {
    const s = new Solo(1, { voters: [1, 2, 3], learners: [4], terms: [1], term: 1 }, noPreVote);
    s.node.campaign();
    s.flush();
    s.step(voteResp(2, 1, 2));
    const out = s.flush();
    expect(only(out, 'append').map((m) => m.to).sort()).toEqual([2, 3, 4]);
  });
});

describe('§5.2: a candidate that hears from a leader of its term steps down', () => {
  for (const kind of ['append', 'heartbeat'] as const) {
    it(`on ${kind === 'append' ? 'an append' : 'a heartbeat'} of its term it becomes that leader's follower`, () => {
      const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 }, noPreVote);
      s.node.campaign();
      s.flush();
      s.step(kind === 'append' ? append(3, 1, 2, 1, 1, [], 1) : heartbeat(3, 1, 2, 1));
      expect(s.raft.role).toBe('follower');
      expect(s.raft.term).toBe(2);
      expect(s.raft.lead).toBe(3);
      // The message is handled, not only noticed: the leader gets its answer.
      expect(only(s.flush(), kind === 'append' ? 'appendResp' : 'heartbeatResp', 3)).toHaveLength(1);
    });
  }

  it('an append of an older term does not make it step down', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 }, noPreVote);
    s.node.campaign();
    s.step(append(3, 1, 1, 1, 1));
    expect(s.raft.role).toBe('candidate');
  });
});

describe('§5.2: a candidate that neither wins nor loses starts a new election after a timeout', () => {
  it('without pre-vote: a new term, new requests', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 }, { ...noPreVote, electionTick: 10 });
    s.node.campaign();
    s.flush();
    expect(s.raft.term).toBe(2);
    s.tick(20);
    expect(s.raft.role).toBe('candidate');
    expect(s.raft.term).toBe(3);
    expect(only(s.flush(), 'vote').map((m) => m.term)).toEqual([3, 3]);
  });

  it('with pre-vote: a new pre-election, which does not raise its term', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1 }, { electionTick: 10 });
    s.node.campaign();
    s.step(voteResp(2, 1, 2, { pre: true }));
    expect(s.raft.role).toBe('candidate');
    s.flush();
    s.tick(20);
    expect(s.raft.role).toBe('preCandidate');
    expect(s.raft.term).toBe(2);
    expect(only(s.flush(), 'preVote').map((m) => m.term)).toEqual([3, 3]);
  });
});

describe('§5.2: a leader sends heartbeats every heartbeatTick', () => {
  it('to every other member, carrying at most what each is known to hold of the commit index', () => {
    const s = new Solo(1, { voters: [1, 2, 3], learners: [4], terms: [1], term: 1, commit: 1 }, { heartbeatTick: 3, electionTick: 10 });
    s.elect();
    s.ackAll([2]);
    const commit = s.raft.log.committed;
    for (let round = 0; round < 3; round++) {
      s.tick(2);
      expect(only(s.flush(), 'heartbeat')).toEqual([]);
      s.tick();
      const hbs = only(s.flush(), 'heartbeat');
      expect(hbs.map((m) => m.to)).toEqual([2, 3, 4]);
      // Member 2 acknowledged everything; 3 and 4 have not been heard from, so they learn nothing
      // they might not hold.
      expect(hbs.map((m) => m.commit)).toEqual([commit, 0, 0]);
    }
    expect(s.raft.role).toBe('leader');
  });

  it('a heartbeat advances a follower\'s commit index, but never past its own log', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1], term: 1 });
    s.step(heartbeat(1, 2, 1, 1));
    expect(s.raft.log.committed).toBe(1);
    s.step(heartbeat(1, 2, 1, 5));
    expect(s.raft.log.committed).toBe(2);
    expect(s.raft.lead).toBe(1);
    expect(s.raft.vote).toBe(NONE);
  });
});
