// §5.4 Safety. §5.4.1: a member votes only for a candidate whose log is at least as up to date as
// its own, so a leader holds every committed entry. §5.4.2: a leader commits by counting replicas
// only entries of its own term; an older entry becomes committed only together with one of them.
import { describe, expect, it } from 'vitest';
import type { Entry, NodeId, RaftConfig } from '../../raft/index.js';
import { Raft } from '../../raft/raft.js';
import { appendResp, only, Solo, voteReq } from './helpers.js';
import { TestNetwork } from './network.js';

describe('§5.4.1: a vote goes only to a candidate whose log is at least as up to date', () => {
  // The voter's log is [1:1, 2:2]: last term 2, last index 2.
  const cases: [string, number, number, boolean][] = [
    ['a later last term, shorter log', 1, 3, true],
    ['the same last term, a longer log', 3, 2, true],
    ['the same last term and length', 2, 2, true],
    ['the same last term, a shorter log', 1, 2, false],
    ['an earlier last term, longer log', 5, 1, false],
    ['an earlier last term, same length', 2, 1, false],
  ];
  for (const pre of [false, true]) {
    for (const [name, lastIndex, lastTerm, granted] of cases) {
      it(`${pre ? 'pre-vote' : 'vote'}: ${name} → ${granted ? 'granted' : 'refused'}`, () => {
        const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 2], term: 2 });
        s.flush();
        s.step(voteReq(2, 1, 3, lastIndex, lastTerm, { pre }));
        const [resp] = only(s.flush(), pre ? 'preVoteResp' : 'voteResp', 2);
        expect(resp!.reject).toBe(!granted);
        if (!pre) expect(s.raft.vote).toBe(granted ? 2 : 0);
        // A pre-vote leaves no trace; a real vote request moves the voter to its term either way.
        expect(s.raft.term).toBe(pre ? 2 : 3);
      });
    }
  }

  it('a member that lacks a committed entry cannot be elected; one that holds it is', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const net = new TestNetwork([1, 2, 3], {}, seed);
      net.elect(1);
      net.isolate(3);
      net.propose(1, 'x'); // committed by 1 and 2
      net.heal();
      net.isolate(1);
      net.elect(3); // refused: 2 holds x, and it is still in 1's lease anyway
      net.tickUntil(() => net.leader() !== 1 && net.leader() !== null);
      expect(net.leader()).toBe(2);
      expect(net.delivered.some((m) => m.from === 3 && (m.type === 'vote' || m.type === 'preVote'))).toBe(true);
      net.propose(2, 'y');
      expect(net.payloads(3)).toEqual(['x', 'y']);
    }
  });
});

/** Commits whatever a majority holds, without §5.4.2's check that the entry is of the current term. */
class CountsOldTermsRaft extends Raft {
  protected override maybeCommit(): boolean {
    const index = this.trk.committed();
    if (index <= this.log.committed || index > this.log.lastIndex()) return false;
    this.log.commitTo(index);
    return true;
  }
}
const countsOldTerms = (c: RaftConfig): Raft => new CountsOldTermsRaft(c);

describe('§5.4.2: a leader does not commit an entry of an earlier term by counting replicas', () => {
  // Leader 1 of five in term 3; its log is [1:1, 2:2] plus its no-op 3:3.
  function leader(makeRaft?: (c: RaftConfig) => Raft): Solo {
    const s = new Solo(1, { voters: [1, 2, 3, 4, 5], terms: [1, 2], term: 2, commit: 1 }, {}, 1, makeRaft);
    s.elect();
    expect(s.raft.term).toBe(3);
    return s;
  }

  it('the term-2 entry on a majority stays uncommitted; it commits with the leader\'s own entry', () => {
    const s = leader();
    s.step(appendResp(2, 1, 3, 2), appendResp(3, 1, 3, 2));
    expect(s.raft.log.committed).toBe(1);
    s.step(appendResp(2, 1, 3, 3), appendResp(3, 1, 3, 3));
    expect(s.raft.log.committed).toBe(3);
  });

  it('the check can fail: a leader without it commits the term-2 entry at once', () => {
    const s = leader(countsOldTerms);
    s.step(appendResp(2, 1, 3, 2), appendResp(3, 1, 3, 2));
    expect(s.raft.log.committed).toBe(2);
  });
});

// Figure 8, built step by step with five members. Index 1 (term 1) is committed everywhere.
//  (a) S1 led term 2 and appended index 2 (term 2).
//  (b) S1 crashed; S5 was elected in term 3 by S3, S4 and itself, and appended index 2 (term 3).
//      S1 learned of term 3 before it crashed.
//  (c) S5 crashed; S1 restarts, is elected in term 4 and replicates index 2 to S2 and S3: the
//      term-2 entry is on a majority. (In the figure S2 already had it from term 2; here it gets it
//      in term 4, so that the leader knows it, which is what counting replicas needs.) S1's own
//      entry of term 4 (index 3, its no-op) reaches no one.
//  (d) S1 crashes; S5 can be elected by S2, S3 and S4 (its last term, 3, beats their 2) and
//      overwrites index 2 with its own term-3 entry. Safe only if nobody committed index 2 in (c).
//  (e) Had S1 got its term-4 entry to a majority before crashing, index 2 would be committed with it,
//      and S5 could not be elected.
// Check-quorum is off: with it, members that just heard from S1 would ignore S5 until their lease
// expires, which the figure does not have. One entry per append, so that index 2 can travel alone.
const FIGURE_8 = { checkQuorum: false, maxSizePerMsg: 1 };

function figure8c(makeRaft?: (c: RaftConfig) => Raft): TestNetwork {
  const net = new TestNetwork([], FIGURE_8, 1, makeRaft);
  const voters = [1, 2, 3, 4, 5];
  net.addMember(1, { voters, terms: [1, 2], term: 3, commit: 1 });
  net.addMember(2, { voters, terms: [1], term: 2, commit: 1 });
  net.addMember(3, { voters, terms: [1], term: 3, vote: 5, commit: 1 });
  net.addMember(4, { voters, terms: [1], term: 3, vote: 5, commit: 1 });
  net.addMember(5, { voters, terms: [1, 3], term: 3, vote: 5, commit: 1 });
  net.stabilize();
  // (c) S5 is down and S4 out of S1's reach; S1's term-4 entry is lost on its way to anyone.
  net.isolate(5);
  net.cutLink(1, 4);
  net.cutLink(4, 1);
  net.drop((m) => m.type === 'append' && m.entries.some((e) => e.index === 3) && net.raft(m.to).log.lastIndex() >= 2);
  net.elect(1);
  expect(net.leader()).toBe(1);
  expect(net.raft(1).term).toBe(4);
  expect(logOf(net, 1)).toEqual(['1:1', '2:2', '3:4']);
  for (const id of [2, 3]) expect(logOf(net, id)).toEqual(['1:1', '2:2']);
  return net;
}

function logOf(net: TestNetwork, id: NodeId): string[] {
  return net.raft(id).log.allEntries().map((e) => `${e.index}:${e.term}`);
}

/** (d): S1 crashes and S5 campaigns until it leads (its first try only teaches it term 4). */
function figure8d(net: TestNetwork): boolean {
  net.heal();
  net.isolate(1); // crashed: it still thinks it leads, but no one hears from it
  for (let i = 0; i < 3 && net.raft(5).role !== 'leader'; i++) net.elect(5);
  return net.raft(5).role === 'leader';
}

/** Pairs of members that applied different entries at the same index. */
function disagreements(net: TestNetwork): string[] {
  const out: string[] = [];
  const at = (ents: Entry[]): Map<number, number> => new Map(ents.map((e) => [e.index, e.term]));
  for (const a of net.members.values()) {
    for (const b of net.members.values()) {
      if (a.id >= b.id) continue;
      const ta = at(a.applied);
      for (const [i, t] of at(b.applied)) {
        if (ta.has(i) && ta.get(i) !== t) out.push(`S${a.id} applied ${i}:${ta.get(i)}, S${b.id} applied ${i}:${t}`);
      }
    }
  }
  return out;
}

describe('§5.4.2, Figure 8: an old-term entry on a majority is not committed until the leader commits one of its own term', () => {
  it('(c) S1 does not commit index 2, though S1, S2 and S3 hold it', () => {
    const net = figure8c();
    expect(net.raft(1).log.committed).toBe(1);
    for (const id of [1, 2, 3]) expect(net.raft(id).log.committed).toBe(1);
  });

  it('(d) so when S5 overwrites index 2, nothing committed is lost', () => {
    const net = figure8c();
    expect(figure8d(net)).toBe(true);
    expect(net.raft(5).term).toBe(5);
    for (const id of [2, 3, 4, 5]) expect(logOf(net, id)).toEqual(['1:1', '2:3', '3:5']);
    expect(disagreements(net)).toEqual([]);
  });

  it('(e) once S1\'s term-4 entry reaches a majority, index 2 commits together with it, and S5 cannot win', () => {
    const net = figure8c();
    const commits: number[] = [];
    net.onReady = (id, rd) => {
      if (id === 1 && rd.hardState) commits.push(rd.hardState.commit);
    };
    net.heal();
    net.isolate(5);
    net.stabilize(); // the dropped appends are retried with the next heartbeat
    net.tick(1);
    expect(net.raft(1).log.committed).toBe(3);
    expect(commits).not.toContain(2);
    expect(commits.at(-1)).toBe(3);

    expect(figure8d(net)).toBe(false);
    for (const id of [2, 3]) expect(logOf(net, id)).toEqual(['1:1', '2:2', '3:4']);
    expect(disagreements(net)).toEqual([]);
  });

  it('the same run detects a leader that counts replicas of old-term entries: S1 commits index 2, S5 overwrites it', () => {
    const net = figure8c(countsOldTerms);
    expect(net.raft(1).log.committed).toBe(2);
    expect(net.member(1).applied.map((e) => `${e.index}:${e.term}`)).toContain('2:2');
    expect(figure8d(net)).toBe(true);
    expect(disagreements(net)).toEqual(expect.arrayContaining(['S1 applied 2:2, S2 applied 2:3']));
  });
});
