// The consensus core alone: a 3-member cluster in one thread, an instant network and in-memory
// storage, so the figure is the cost of the Raft logic itself. Each round proposes `batch` entries
// (one propose() call each) at the leader and drives the cluster until they are applied there.
import { raftOf } from '../raft/testing.js';
import { bootstrapState, MemoryStorage, RawNode, type Message, type NodeId } from '../raft/index.js';
import { Prng } from '../test/sim/prng.js';

interface BenchMember {
  readonly node: RawNode;
  readonly storage: MemoryStorage;
  applied: number;
}

function makeCluster(ids: readonly NodeId[]): Map<NodeId, BenchMember> {
  const boot = bootstrapState(ids);
  const prng = new Prng(1);
  const members = new Map<NodeId, BenchMember>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    storage.append(boot.entries);
    storage.setHardState(boot.hardState);
    members.set(id, { node: new RawNode({ id, storage, random: prng.fork(), maxInflightMsgs: 256 }), storage, applied: 0 });
  }
  return members;
}

/** Handles Readys and delivers messages until nothing moves. */
function drive(members: Map<NodeId, BenchMember>): void {
  const queue: Message[] = [];
  for (;;) {
    let moved = false;
    for (const m of members.values()) {
      if (!m.node.hasReady()) continue;
      moved = true;
      const rd = m.node.ready();
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      for (const msg of rd.messages) queue.push(msg);
      for (const e of rd.committedEntries) {
        if (e.type === 'confChange') m.node.applyConfChange(e);
        m.applied = e.index;
      }
      m.node.advance();
      // Keep memory flat: snapshot and compact every 20,000 entries.
      const snapIndex = m.storage.snapshot().meta.index;
      if (m.applied - snapIndex > 20_000) {
        m.storage.createSnapshot(m.applied, raftOf(m.node).trk.confState(), new Uint8Array());
        m.storage.compact(m.applied - 1000);
      }
    }
    for (let i = 0; i < queue.length; i++) members.get(queue[i]!.to)!.node.step(queue[i]!);
    if (queue.length > 0) moved = true;
    queue.length = 0;
    if (!moved) return;
  }
}

export interface RaftBenchResult {
  readonly batch: number;
  readonly proposals: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export function benchRaft(batch: number, seconds: number): RaftBenchResult {
  const members = makeCluster([1, 2, 3]);
  drive(members);
  const leader = members.get(1)!;
  leader.node.campaign();
  drive(members);
  if (raftOf(leader.node).role !== 'leader') throw new Error('member 1 did not become leader');
  const payload = new Uint8Array(128);
  let proposals = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - started < budget) {
    for (let round = 0; round < 16; round++) {
      const target = raftOf(leader.node).log.lastIndex() + batch;
      for (let i = 0; i < batch; i++) leader.node.propose(payload);
      drive(members);
      if (leader.applied < target) throw new Error('proposals did not commit');
      proposals += batch;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { batch, proposals, seconds: elapsed, perSecond: proposals / elapsed };
}

export function runRaftBench(): void {
  console.log('raft core: 3 members, instant network, in-memory storage, 128-byte entries');
  for (const batch of [1, 64]) {
    const r = benchRaft(batch, 3);
    console.log(`  batch ${String(batch).padStart(2)}: ${Math.round(r.perSecond).toLocaleString('en-US').padStart(10)} committed proposals/s  (${r.proposals.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s)`);
  }
}
