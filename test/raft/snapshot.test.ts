// Snapshots and log compaction (§7): the application snapshots its state and drops the log prefix; a
// follower that needs a compacted entry is sent the snapshot instead. The transport reports how the
// sending went; a snapshot older than what the follower has committed is ignored; an installed one
// replaces the follower's log and configuration.
import { raftOf } from '../../raft/testing.js';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, RawNode, type Snapshot } from '../../raft/index.js';
import { appendResp, entries, heartbeatResp, only, Solo } from './helpers.js';
import { bytes, TestNetwork } from './network.js';

function snapshot(index: number, term: number, voters = [1, 2, 3], learners: number[] = [], data = 'state'): Snapshot {
  return { meta: { index, term, confState: { voters, learners } }, data: bytes(data) };
}

function snapMsg(snap: Snapshot, term = 2): { type: 'snapshot'; from: number; to: number; term: number; snapshot: Snapshot } {
  return { type: 'snapshot', from: 1, to: 2, term, snapshot: snap };
}

describe('a follower behind the compacted prefix is sent a snapshot', () => {
  it('in a cluster: it installs the snapshot, then receives the entries after it', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, 'a', 'b', 'c', 'd');
    const leader = net.member(1);
    const applied = raftOf(leader.node).log.applied;
    leader.storage.createSnapshot(applied, raftOf(leader.node).trk.confState(), bytes('a,b,c,d'));
    leader.storage.compact(applied);
    net.propose(1, 'e');
    net.heal();
    net.tick(1, 1);

    const follower = net.member(3);
    expect(net.delivered.filter((m) => m.type === 'snapshot').map((m) => m.to)).toEqual([3]);
    expect(follower.storage.snapshot().meta.index).toBe(applied);
    expect(new TextDecoder().decode(follower.storage.snapshot().data)).toBe('a,b,c,d');
    expect(raftOf(follower.node).log.lastIndex()).toBe(raftOf(leader.node).log.lastIndex());
    expect(raftOf(follower.node).log.applied).toBe(raftOf(leader.node).log.applied);
    expect(net.payloads(3).slice(-1)).toEqual(['e']);
    expect(leader.node.status().progress.get(3)).toMatchObject({ state: 'replicate', match: raftOf(leader.node).log.lastIndex() });
  });
});

describe('the leader\'s side of sending a snapshot', () => {
  /** Leader 1 of {1, 2, 3} in term 2, log 1..6 compacted into a snapshot at 6; 3 has answered nothing. */
  function leaderWithCompactedLog(): Solo {
    const s = new Solo(1, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 1, commit: 5 });
    s.elect();
    s.ackAll([2]);
    expect(s.raft.log.committed).toBe(6);
    s.storage.createSnapshot(6, { voters: [1, 2, 3], learners: [] }, bytes('state@6'));
    s.storage.compact(6);
    return s;
  }

  function sendSnapshotToThree(s: Solo): void {
    s.step(heartbeatResp(3, 1, 2));
    const [m] = only(s.flush(), 'snapshot', 3);
    expect(m!.snapshot.meta).toMatchObject({ index: 6, term: 2 });
    expect(s.node.status().progress.get(3)!.state).toBe('snapshot');
  }

  it('sends the snapshot when the entry the follower needs next was compacted', () => {
    sendSnapshotToThree(leaderWithCompactedLog());
  });

  it('sends no appends to it while the snapshot is on its way', () => {
    const s = leaderWithCompactedLog();
    sendSnapshotToThree(s);
    s.node.propose(bytes('x'));
    s.step(heartbeatResp(3, 1, 2));
    const out = s.flush();
    expect(only(out, 'append', 3)).toEqual([]);
    expect(only(out, 'append', 2)).toHaveLength(1);
  });

  it('reportSnapshot(ok): it waits for the follower, then appends from just after the snapshot', () => {
    const s = leaderWithCompactedLog();
    sendSnapshotToThree(s);
    s.node.reportSnapshot(3, true);
    expect(s.node.status().progress.get(3)).toMatchObject({ state: 'probe', next: 7 });
    expect(only(s.flush(), 'append', 3)).toEqual([]);
    s.step(heartbeatResp(3, 1, 2));
    const [next] = only(s.flush(), 'append', 3);
    expect(next).toMatchObject({ prevIndex: 6, prevTerm: 2 });
  });

  it('reportSnapshot(failed): it probes again from what it knows, which leads to another snapshot', () => {
    const s = leaderWithCompactedLog();
    sendSnapshotToThree(s);
    s.node.reportSnapshot(3, false);
    expect(s.node.status().progress.get(3)).toMatchObject({ state: 'probe', next: 1 });
    expect(s.flush()).toEqual([]);
    sendSnapshotToThree(s);
  });

  it('the follower\'s acknowledgement of the snapshot puts it back to replicating', () => {
    const s = leaderWithCompactedLog();
    sendSnapshotToThree(s);
    s.step(appendResp(3, 1, 2, 6));
    expect(s.node.status().progress.get(3)).toMatchObject({ state: 'replicate', match: 6, next: 7 });
  });
});

describe('the follower\'s side of a snapshot', () => {
  it('installs a newer snapshot: log, commit and applied index jump to it', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1], term: 2, commit: 2 });
    s.flush();
    s.step(snapMsg(snapshot(10, 2)));
    const rd = s.ready()!;
    expect(rd.snapshot?.meta.index).toBe(10);
    expect(rd.hardState?.commit).toBe(10);
    expect(rd.committedEntries).toEqual([]);
    expect(only(rd.messages, 'appendResp', 1)).toEqual([appendResp(2, 1, 2, 10)]);
    expect(s.raft.log.applied).toBe(10);
    expect(s.storage.snapshot().meta.index).toBe(10);
    expect(s.raft.log.firstIndex()).toBe(11);
    expect(s.raft.log.lastIndex()).toBe(10);
  });

  it('takes the snapshot\'s configuration', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 2 });
    s.step(snapMsg(snapshot(10, 2, [1, 2, 3, 4], [5])));
    s.flush();
    expect(s.node.status().confState).toEqual({ voters: [1, 2, 3, 4], learners: [5] });
  });

  it('ignores a snapshot at or below its commit index, and says how far it is', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 2, commit: 5 });
    s.flush();
    s.step(snapMsg(snapshot(3, 1, [9])));
    const rd = s.ready()!;
    expect(rd.snapshot).toBeUndefined();
    expect(only(rd.messages, 'appendResp', 1)).toEqual([appendResp(2, 1, 2, 5)]);
    expect(s.logTerms()).toEqual([1, 1, 1, 1, 1]);
    expect(s.node.status().confState.voters).toEqual([1, 2, 3]);
  });

  it('ignores a delayed snapshot older than the one it took itself (its log no longer holds that index)', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], term: 2, commit: 10 });
    s.flush();
    s.storage.createSnapshot(8, { voters: [1, 2, 3], learners: [] }, bytes('state@8'));
    s.storage.compact(8);
    s.step(snapMsg(snapshot(5, 1)));
    const rd = s.ready()!;
    expect(rd.snapshot).toBeUndefined();
    expect(only(rd.messages, 'appendResp', 1)).toEqual([appendResp(2, 1, 2, 10)]);
    expect([s.raft.log.firstIndex(), s.raft.log.lastIndex(), s.raft.log.committed]).toEqual([9, 10, 10]);
  });

  it('whose log already holds the snapshot\'s last entry only moves its commit index, keeping later entries', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 2, commit: 2 });
    s.flush();
    s.step(snapMsg(snapshot(4, 1)));
    const rd = s.ready()!;
    expect(rd.snapshot).toBeUndefined();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3, 4]);
    expect(only(rd.messages, 'appendResp', 1)).toEqual([appendResp(2, 1, 2, 4)]);
    expect(s.logTerms()).toEqual([1, 1, 1, 1, 1]);
  });

  it('whose entry at the snapshot\'s index has another term replaces its whole log', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1, 1, 1, 1, 1], term: 2, commit: 2 });
    s.flush();
    s.step(snapMsg(snapshot(4, 2)));
    s.flush();
    expect(s.raft.log.lastIndex()).toBe(4);
    expect(s.raft.log.allEntries()).toEqual([]);
    expect(s.storage.lastIndex()).toBe(4);
  });

  it('a member restarted after installing a snapshot starts from it', () => {
    const s = new Solo(2, { voters: [1, 2, 3], terms: [1], term: 2 });
    s.step(snapMsg(snapshot(10, 2, [1, 2, 3, 4])));
    s.flush();
    const restarted = new RawNode({ id: 2, storage: s.storage, random: { int: () => 0 }, applied: 10 });
    expect(restarted.status()).toMatchObject({
      applied: 10,
      firstIndex: 11,
      lastIndex: 10,
      hardState: { term: 2, vote: 0, commit: 10 },
      confState: { voters: [1, 2, 3, 4], learners: [] },
    });
    expect(restarted.hasReady()).toBe(false);
  });
});

describe('restarting from a snapshot newer than the stored commit index', () => {
  // A Ready that only moves the commit index has mustSync false, so the application may write it
  // lazily; if it then snapshots at its applied index and crashes before that write reaches the
  // disk, the stored commit index is below the snapshot's. A snapshot's index is committed by
  // definition, so the member starts with it as its commit index.
  it('starts, with the snapshot\'s index as committed', () => {
    const storage = new MemoryStorage();
    storage.append(entries([1, 1, 1, 1, 1, 1]));
    storage.createSnapshot(5, { voters: [1, 2, 3], learners: [] }, bytes('state@5'));
    storage.compact(5);
    storage.setHardState({ term: 1, vote: 0, commit: 3 });
    const node = new RawNode({ id: 1, storage, random: { int: () => 0 }, applied: 5 });
    expect(node.status()).toMatchObject({ applied: 5, hardState: { term: 1, commit: 5 } });
  });
});
