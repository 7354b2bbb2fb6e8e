// §5.3 Log replication: the leader appends, replicates and commits; a follower accepts an append only
// if its log holds the entry before it (the consistency check), replaces a conflicting suffix, and
// follows the leader's commit index as far as the leader's entries reach. The leader finds the point
// where a follower's log matches in one round trip per conflicting term, not per entry.
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../raft/index.js';
import { append, appendResp, ent, entries, only, payloads, Solo } from './helpers.js';
import { bytes, TestNetwork } from './network.js';

describe('§5.3: the leader', () => {
  it('appends an empty entry of its term when elected, and commits it with everything before it', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 1], term: 1, commit: 1 });
    s.elect();
    const last = s.raft.log.allEntries().at(-1)!;
    expect(last).toMatchObject({ type: 'normal', index: 3, term: 2 });
    expect(last.type === 'normal' && last.data.length).toBe(0);
    expect(s.raft.log.committed).toBe(1);
    s.ackAll([2]);
    expect(s.raft.log.committed).toBe(3);
    expect(s.applied.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('sends a new entry to each follower after the entry that precedes it, with its commit index', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 });
    s.elect();
    s.ackAll();
    s.node.propose(bytes('x'));
    const appends = only(s.flush(), 'append');
    expect(appends.map((m) => m.to)).toEqual([2, 3]);
    for (const m of appends) {
      expect(m).toMatchObject({ term: 2, prevIndex: 2, prevTerm: 2, commit: 2 });
      expect(payloads(m.entries)).toEqual(['x']);
      expect(m.entries[0]).toMatchObject({ index: 3, term: 2 });
    }
  });

  it('commits an entry once a majority stores it, and tells the followers', () => {
    const s = new Solo(1, { voters: [1, 2, 3, 4, 5], terms: [1], term: 1, commit: 1 });
    s.elect();
    s.ackAll();
    s.node.propose(bytes('x'));
    s.flush();
    s.step(appendResp(2, 1, 2, 3));
    expect(s.raft.log.committed).toBe(2);
    s.step(appendResp(3, 1, 2, 3));
    expect(s.raft.log.committed).toBe(3);
    const out = s.flush();
    expect(payloads(s.applied)).toEqual(['x']);
    // The new commit index goes out at once, not with the next heartbeat.
    expect(only(out, 'append').map((m) => [m.to, m.commit])).toEqual([
      [2, 3],
      [3, 3],
      [4, 3],
      [5, 3],
    ]);
  });

  it('counts its own copy towards the majority only once its Ready is durable', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 });
    s.elect();
    s.ackAll();
    s.node.propose(bytes('x'));
    const rd = s.node.ready(); // being persisted: not yet advanced
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    s.step(appendResp(2, 1, 2, 3));
    expect(s.raft.log.committed).toBe(2);
    s.storage.append(rd.entries);
    s.node.advance();
    expect(s.raft.log.committed).toBe(3);
  });
});

describe('§5.3: followers learn the commit index without waiting for a heartbeat', () => {
  // When the commit index advances while the leader waits for a follower's answer to a probe, the
  // broadcast skips that follower; its acknowledgement must then bring it the commit index, or it
  // would apply (and serve follower reads) a heartbeat interval late.
  it('a follower whose probe was outstanding when the entry committed is told once it answers', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1], term: 1, commit: 1 });
    s.elect(); // the no-op (index 2) is on its way to 2 and 3, both probed
    s.step(appendResp(3, 1, 2, 2));
    expect(s.raft.log.committed).toBe(2);
    s.flush();
    s.step(appendResp(2, 1, 2, 2));
    const toTwo = only(s.flush(), 'append', 2);
    expect(toTwo.map((m) => m.commit)).toEqual([2]);
  });
});

describe('§5.3: a follower checks that its log matches before appending', () => {
  // The follower's log: [1:1, 2:2], its term 2.
  const cases: [string, number, number, boolean][] = [
    ['the entry before matches', 2, 2, true],
    ['an earlier entry matches', 1, 1, true],
    ['nothing precedes the entries', 0, 0, true],
    ['the entry before has another term', 2, 1, false],
    ['the follower lacks the entry before', 3, 2, false],
  ];
  for (const [name, prevIndex, prevTerm, ok] of cases) {
    it(`${name}: (${prevIndex}, ${prevTerm}) is ${ok ? 'accepted' : 'rejected'}`, () => {
      const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 2], term: 2 });
      s.flush();
      const ents = [ent(prevIndex + 1, 2, 'x')];
      s.step(append(1, 2, 2, prevIndex, prevTerm, ents));
      const [resp] = only(s.flush(), 'appendResp', 1);
      expect(resp!.reject).toBe(!ok);
      if (ok) {
        expect(resp!.index).toBe(prevIndex + 1);
        expect(s.raft.log.lastIndex()).toBe(prevIndex + 1);
        expect(s.storage.lastIndex()).toBe(prevIndex + 1);
      } else {
        expect(resp!.index).toBe(prevIndex);
        expect(s.logTerms()).toEqual([1, 2]);
      }
    });
  }
});

describe('§5.3: a follower replaces a conflicting suffix, and only that', () => {
  it('deletes the entries from the first conflict on and appends the leader\'s', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 2, 2, 2], term: 3 });
    s.step(append(1, 2, 3, 1, 1, entries([3], 2)));
    s.flush();
    expect(s.logTerms()).toEqual([1, 3]);
    expect(s.storage.lastIndex()).toBe(2);
    expect(s.storage.term(2)).toBe(3);
  });

  it('keeps entries after an append whose entries it already holds (a delayed or repeated append)', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 2, 2, 2], term: 2 });
    s.step(append(1, 2, 2, 1, 1, entries([2], 2)));
    const [resp] = only(s.flush(), 'appendResp', 1);
    expect(s.logTerms()).toEqual([1, 2, 2, 2]);
    // It acknowledges what the append covered, no more: the leader cannot infer a match beyond it.
    expect(resp).toMatchObject({ reject: false, index: 2 });
  });

  it('never truncates a committed entry: an append before its commit index is answered with that index', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 2, 2], term: 3, commit: 3 });
    s.step(append(1, 2, 3, 1, 1, entries([3], 2)));
    const [resp] = only(s.flush(), 'appendResp', 1);
    expect(resp).toMatchObject({ reject: false, index: 3 });
    expect(s.logTerms()).toEqual([1, 2, 2]);
  });
});

describe('§5.3: a follower\'s commit index is min(leaderCommit, index of the last new entry)', () => {
  // The follower's log: [1:1, 2:1, 3:1], commit 1.
  const cases: [string, number, number[], number, number][] = [
    ['an empty append up to the end of its log', 3, [], 3, 3],
    ['entries that end before its log does', 1, [1], 3, 2],
    ['the leader has committed less', 3, [1], 2, 2],
    ['the leader has committed more than it sent', 3, [1], 9, 4],
    ['the leader\'s commit is behind the follower\'s', 3, [], 0, 1],
  ];
  for (const [name, prevIndex, terms, leaderCommit, want] of cases) {
    it(`${name} → ${want}`, () => {
      const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1], term: 1, commit: 1 });
      s.step(append(1, 2, 1, prevIndex, 1, entries(terms, prevIndex + 1), leaderCommit));
      expect(s.raft.log.committed).toBe(want);
      s.flush();
      expect(s.applied.map((e) => e.index)).toEqual(Array.from({ length: want }, (_, i) => i + 1));
    });
  }
});

// Figure 7: a leader of term 8 and six followers whose logs differ from it in every way the paper
// draws: missing entries (a, b), extra entries (c, d), and extra uncommitted entries of older terms
// (e, f).
const LEADER = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
const FIGURE_7: Record<string, number[]> = {
  a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
  b: [1, 1, 1, 4],
  c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
  d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
  e: [1, 1, 1, 4, 4, 4, 4],
  f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
};

describe('§5.3, Figure 7: the leader brings every follower\'s log to match its own', () => {
  for (const [name, follower] of Object.entries(FIGURE_7)) {
    it(`follower (${name}) ends with the leader's log, after at most one rejected append`, () => {
      const net = new TestNetwork([]);
      // Member 3 holds the leader's log, so that 1 can win whatever 2 thinks of its log.
      net.addMember(1, { voters: [1, 2, 3], terms: LEADER, term: 7 });
      net.addMember(2, { voters: [1, 2, 3], terms: follower, term: Math.max(...follower) });
      net.addMember(3, { voters: [1, 2, 3], terms: LEADER, term: 7 });
      net.elect(1);
      expect(net.leader()).toBe(1);
      expect(net.raft(1).term).toBe(8);
      const want = [...LEADER, 8];
      expect(net.raft(2).log.allEntries().map((e) => e.term)).toEqual(want);
      expect(net.member(2).storage.lastIndex()).toBe(want.length);
      // One index at a time, follower (f) alone would take seven rejections.
      const rejected = net.delivered.filter((m) => m.type === 'appendResp' && m.from === 2 && m.reject);
      expect(rejected.length).toBeLessThanOrEqual(1);
      // The commit index reaches it at the latest with the next heartbeat.
      net.tick(1);
      expect(net.raft(2).log.committed).toBe(want.length);
    });
  }
});

describe('§5.3: fast back-off with rejectHint and rejectTerm', () => {
  it('a follower hints the last index whose term is at most the leader\'s prevTerm, with that term', () => {
    const cases: [number[], number, number, [number, number]][] = [
      [FIGURE_7.f!, 10, 6, [10, 3]], // its entry 10 has term 3 ≤ 6: the leader may skip to its own term-3 point
      [FIGURE_7.b!, 10, 6, [4, 4]], // its log ends at 4
      [FIGURE_7.e!, 6, 5, [6, 4]],
      [[1, 3, 3, 3], 3, 2, [1, 1]], // everything after 1 is of term 3 > 2
    ];
    for (const [terms, prevIndex, prevTerm, [hint, hintTerm]] of cases) {
      const s = new Solo(2, { voters: [1, 2, 3], terms, term: 8 });
      s.step(append(1, 2, 8, prevIndex, prevTerm));
      const [resp] = only(s.flush(), 'appendResp', 1);
      expect(resp).toMatchObject({ reject: true, index: prevIndex, rejectHint: hint, rejectTerm: hintTerm });
    }
  });

  it('the leader skips every entry of a term the follower cannot match, in one step', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: LEADER, term: 7 });
    s.elect(); // term 8; entry 11 is its no-op
    s.step(appendResp(2, 1, 8, 10, { hint: 10, hintTerm: 3 }));
    const [next] = only(s.flush(), 'append', 2);
    // The leader's last entry of a term ≤ 3 is index 3 (term 1): it probes there next.
    expect(next).toMatchObject({ prevIndex: 3, prevTerm: 1 });
    expect(next!.entries.map((e) => e.index)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('takes one round trip per conflicting term when the two logs alternate terms', () => {
    const net = new TestNetwork([]);
    net.addMember(1, { voters: [1, 2, 3], terms: [1, 2, 2, 4, 4], term: 4 });
    net.addMember(2, { voters: [1, 2, 3], terms: [1, 3, 3, 3], term: 3 });
    net.addMember(3, { voters: [1, 2, 3], terms: [1, 2, 2, 4, 4], term: 4 });
    net.elect(1);
    expect(net.raft(2).log.allEntries().map((e) => e.term)).toEqual([1, 2, 2, 4, 4, 5]);
    const rejected = net.delivered.filter((m) => m.type === 'appendResp' && m.from === 2 && m.reject);
    expect(rejected.map((m) => (m.type === 'appendResp' ? m.index : 0))).toEqual([5, 3]);
  });

  it('a stale rejection (of an append the leader already moved past) changes nothing', () => {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 1, 1], term: 1, commit: 3 });
    s.elect();
    s.ackAll();
    const pr = s.raft.trk.progress.get(2)!;
    expect(pr.state).toBe('replicate');
    const before = { match: pr.match, next: pr.next };
    s.step(appendResp(2, 1, 2, 2, { hint: 1, hintTerm: 1 }));
    expect({ match: pr.match, next: pr.next }).toEqual(before);
    expect(pr.state).toBe('replicate');
    expect(only(s.flush(), 'append', 2)).toEqual([]);
  });
});

describe('§5.3: uncommitted entries of a deposed leader are overwritten, committed ones never', () => {
  it('a leader cut off from the majority loses what it appended alone; everyone ends with one log', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'committed');
    net.isolate(1);
    net.propose(1, 'lost-1', 'lost-2');
    expect(payloads(net.raft(1).log.allEntries())).toEqual(['committed', 'lost-1', 'lost-2']);
    net.tickUntil(() => net.raft(2).role === 'leader' || net.raft(3).role === 'leader');
    const leader = net.raft(2).role === 'leader' ? 2 : 3;
    net.propose(leader, 'kept');
    net.heal();
    net.tick(leader, 1); // a heartbeat of the new term reaches the old leader
    expect(net.leader()).toBe(leader);
    const logs = [1, 2, 3].map((id) => net.raft(id).log.allEntries().map((e) => `${e.index}:${e.term}`));
    expect(logs[0]).toEqual(logs[1]);
    expect(logs[2]).toEqual(logs[1]);
    for (const id of [1, 2, 3] as NodeId[]) expect(net.payloads(id)).toEqual(['committed', 'kept']);
  });
});
