// The Ready/advance contract of RawNode: everything the core wants done comes out in a Ready —
// entries and hard state to persist, messages to send once they are, committed entries to apply —
// each thing once; advance() says it was done. A member restarted from its storage carries on.
import { raftOf } from '../../raft/testing.js';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, RawNode, type Entry, type NodeId } from '../../raft/index.js';
import { append, ent, entries, heartbeat, only, payloads, Solo, storageWith, voteReq } from './helpers.js';
import { bytes, TestNetwork } from './network.js';

function follower(terms: number[] = [], commit = 0): Solo {
  const s = new Solo(2, { voters: [1, 2, 3], terms, term: 1, commit });
  s.flush();
  return s;
}

describe('messages leave only in a Ready, each once', () => {
  it('a response is held until ready() hands it out, and is not handed out again', () => {
    const s = follower();
    s.step(voteReq(3, 2, 2, 0, 0));
    expect(s.node.hasReady()).toBe(true);
    const rd = s.node.ready();
    expect(only(rd.messages, 'voteResp', 3)).toHaveLength(1);
    s.node.advance();
    expect(s.node.hasReady()).toBe(false);
  });

  it('inputs that arrive between ready() and advance() come out in the next Ready', () => {
    const s = follower();
    s.step(heartbeat(1, 2, 1));
    const first = s.node.ready();
    expect(s.node.hasReady()).toBe(false); // one Ready at a time
    s.step(append(1, 2, 1, 0, 0, entries([1])));
    s.node.advance();
    const second = s.node.ready();
    expect(only(first.messages, 'heartbeatResp')).toHaveLength(1);
    expect(only(second.messages, 'appendResp')).toHaveLength(1);
    expect(second.entries.map((e) => e.index)).toEqual([1]);
    s.node.advance();
  });

  it('ready() twice without advance(), or advance() without ready(), is a programming error', () => {
    const s = follower();
    s.step(heartbeat(1, 2, 1));
    s.node.ready();
    expect(() => s.node.ready()).toThrow();
    s.node.advance();
    expect(() => s.node.advance()).toThrow();
  });

  it('nothing new, no Ready', () => {
    const s = follower([1], 1);
    expect(s.node.hasReady()).toBe(false);
    s.tick(); // a follower's tick short of its timeout changes nothing outside
    expect(s.node.hasReady()).toBe(false);
  });
});

describe('entries and hard state to persist', () => {
  it('entries handed out are not handed out again after advance(); the commit comes with the next append', () => {
    const s = follower();
    s.step(append(1, 2, 1, 0, 0, entries([1, 1, 1]), 0));
    const rd = s.ready()!;
    expect(rd.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.committedEntries).toEqual([]);
    s.step(append(1, 2, 1, 3, 1, [], 2));
    const next = s.ready()!;
    expect(next.entries).toEqual([]);
    expect(next.committedEntries.map((e) => e.index)).toEqual([1, 2]);
    expect(next.hardState?.commit).toBe(2);
  });

  it('entries overwritten after they were handed out (before advance) are handed out again', () => {
    const s = follower();
    s.step(append(1, 2, 1, 0, 0, entries([1, 1, 1])));
    const rd = s.node.ready();
    s.storage.append(rd.entries);
    // A leader of term 2 replaces index 3 before the first Ready is acknowledged.
    s.step(append(3, 2, 2, 2, 1, [ent(3, 2)]));
    s.node.advance();
    const again = s.ready()!;
    // The first Ready is not taken as durable past the overwritten entry: its tail comes again.
    expect(again.entries.map((e) => `${e.index}:${e.term}`).at(-1)).toBe('3:2');
    expect([1, 2, 3].map((i) => s.storage.term(i))).toEqual([1, 1, 2]);
  });

  it('mustSync for new entries, term or vote; a commit index alone need not be synced', () => {
    const s = follower([1, 1]);
    s.step(heartbeat(1, 2, 1, 2));
    const commitOnly = s.ready()!;
    expect(commitOnly.hardState?.commit).toBe(2);
    expect(commitOnly.mustSync).toBe(false);
    s.step(heartbeat(3, 2, 5, 2)); // a new term
    expect(s.ready()!.mustSync).toBe(true);
    s.step(append(3, 2, 5, 2, 1, [ent(3, 5)]));
    expect(s.ready()!.mustSync).toBe(true);
    const vote = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 1 });
    vote.step(voteReq(3, 2, 1, 1, 1));
    const rd = vote.ready()!;
    expect(rd.hardState?.vote).toBe(3);
    expect(rd.mustSync).toBe(true);
  });

  it('softState reports a change of role or leader, and only then', () => {
    const s = follower();
    s.step(heartbeat(1, 2, 1));
    expect(s.ready()!.softState).toEqual({ lead: 1, role: 'follower' });
    s.step(heartbeat(1, 2, 1));
    expect(s.ready()!.softState).toBeUndefined();
  });
});

describe('committed entries to apply', () => {
  it('are handed out in order, each once, and at most maxCommittedSizePerReady bytes at a time', () => {
    const storage = storageWith({ voters: [1, 2, 3], terms: [1, 1, 1, 1, 1, 1, 1], term: 1, commit: 7 });
    const node = new RawNode({ id: 2, storage, random: { int: () => 0 }, maxCommittedSizePerReady: 40 });
    const seen: number[] = [];
    while (node.hasReady()) {
      const rd = node.ready();
      expect(rd.committedEntries.length).toBeLessThanOrEqual(2);
      seen.push(...rd.committedEntries.map((e) => e.index));
      node.advance();
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('every member applies the same entries, 1, 2, 3, … without gaps or repeats, across leader changes', () => {
    const net = new TestNetwork([1, 2, 3, 4, 5]);
    net.elect(1);
    for (let round = 0; round < 5; round++) {
      const lead = net.leader()!;
      net.propose(lead, `a${round}`, `b${round}`);
      net.isolate(lead);
      net.propose(lead, `lost${round}`);
      net.tickUntil(() => net.leader() !== null && net.leader() !== lead);
      net.heal();
      net.run(3);
    }
    const lead = net.leader()!;
    net.propose(lead, 'last');
    const reference = net.member(lead).applied.map((e) => `${e.index}:${e.term}`);
    for (const m of net.members.values()) {
      expect(m.applied.map((e) => e.index)).toEqual(m.applied.map((_, i) => i + 1));
      expect(m.applied.map((e) => `${e.index}:${e.term}`)).toEqual(reference);
      expect(payloads(m.applied).filter((p) => p.startsWith('lost'))).toEqual([]);
    }
    expect(payloads(net.member(1).applied)).toContain('last');
  });
});

describe('nothing leaves before what it depends on is durable', () => {
  it('an append carries only entries that are in storage once its Ready is persisted; a vote only a persisted vote', () => {
    const net = new TestNetwork([1, 2, 3]);
    let checked = 0;
    net.onReady = (id: NodeId, rd) => {
      const storage = net.member(id).storage;
      for (const m of only(rd.messages, 'append')) {
        for (const e of m.entries) expect(storage.term(e.index)).toBe(e.term);
        checked++;
      }
      for (const m of only(rd.messages, 'voteResp')) {
        if (!m.reject) expect(storage.hardStateNow()).toMatchObject({ term: m.term, vote: m.to });
      }
    };
    net.elect(1);
    for (let i = 0; i < 5; i++) net.propose(1, `p${i}`);
    net.member(1).node.transferLeader(3);
    net.stabilize();
    net.propose(3, 'q');
    expect(checked).toBeGreaterThan(10);
  });
});

describe('a restarted member carries on from its storage', () => {
  it('keeps term, vote and log, and re-applies the committed entries after its snapshot', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.propose(1, 'a', 'b');
    const m = net.member(2);
    const snapAt = m.applied.find((e: Entry) => payloads([e])[0] === 'a')!.index;
    m.storage.createSnapshot(snapAt, raftOf(m.node).trk.confState(), bytes('a'));
    m.storage.compact(snapAt);
    net.propose(1, 'c');
    const before = { hs: raftOf(m.node).hardState(), last: raftOf(m.node).log.lastIndex() };

    net.restart(2);
    const r = net.raft(2);
    expect(r.hardState()).toEqual(before.hs);
    expect(r.log.lastIndex()).toBe(before.last);
    expect(r.log.applied).toBe(snapAt);
    net.stabilize();
    expect(net.payloads(2)).toEqual(['b', 'c']);
    expect(m.applied[0]!.index).toBe(snapAt + 1);
    net.propose(1, 'd');
    expect(net.payloads(2)).toEqual(['b', 'c', 'd']);
  });

  it('the applied index given at start-up is not handed out again', () => {
    const storage = storageWith({ voters: [1, 2, 3], terms: [1, 1, 1, 1], term: 1, commit: 4 });
    const node = new RawNode({ id: 2, storage, random: { int: () => 0 }, applied: 3 });
    expect(node.ready().committedEntries.map((e) => e.index)).toEqual([4]);
  });

  it('a member restarted with an empty storage and a bootstrap log starts as a follower of term 1', () => {
    const storage = new MemoryStorage();
    const node = new RawNode({ id: 1, storage, random: { int: () => 0 } });
    expect(node.status()).toMatchObject({ hardState: { term: 0, vote: 0, commit: 0 }, softState: { role: 'follower', lead: 0 } });
    expect(node.hasReady()).toBe(false);
  });
});

describe('applies in the background: advancePersisted() and appliedTo()', () => {
  /** A single voter that has elected itself and committed `n` proposals, with nothing applied yet. */
  function soloLeaderWith(n: number): { node: RawNode; storage: MemoryStorage } {
    const storage = storageWith({ voters: [1] });
    const node = new RawNode({ id: 1, storage, random: { int: () => 0 }, maxCommittedSizePerReady: 1 });
    node.campaign();
    for (let i = 0; i < n; i++) node.propose(bytes(`v${i}`));
    return { node, storage };
  }

  function persist(storage: MemoryStorage, rd: { entries: readonly Entry[]; hardState?: { term: number; vote: NodeId; commit: number } }): void {
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
  }

  it('raft counts entries applied only when the application says so, and hands out no more than its budget meanwhile', () => {
    const { node, storage } = soloLeaderWith(3);
    const handedOut: number[] = [];
    for (let i = 0; i < 5 && node.hasReady(); i++) {
      const rd = node.ready();
      persist(storage, rd);
      handedOut.push(...rd.committedEntries.map((e) => e.index));
      node.advancePersisted();
    }
    // A budget of one byte: one batch (at least one entry) is out, and nothing more until it is applied.
    expect(handedOut).toHaveLength(1);
    expect(node.basicStatus().applied).toBe(0);
    node.appliedTo(handedOut[0]!);
    expect(node.basicStatus().applied).toBe(handedOut[0]);
    expect(node.hasReady()).toBe(true);
    expect(node.ready().committedEntries[0]!.index).toBe(handedOut[0]! + 1);
  });

  it('a member restarted on state applied past the commit index it saved hands out nothing it applied', () => {
    // The entries 1–4 are durable and applied, and the state was snapshotted at 4; the last commit
    // index saved is 2 (a lone commit move is saved lazily).
    const storage = storageWith({ voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 1, commit: 2 });
    storage.createSnapshot(4, { voters: [1, 2, 3], learners: [] }, bytes('state at 4'));
    const node = new RawNode({ id: 1, storage, random: { int: () => 0 }, applied: 4 });
    expect(node.basicStatus()).toMatchObject({ commit: 4, applied: 4 });
    node.step(heartbeat(2, 1, 1, 5));
    const rd = node.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([5]);
  });
});
