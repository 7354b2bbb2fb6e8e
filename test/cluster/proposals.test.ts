// A member's proposals over the real raft driver and core, with a disk that never finishes a write:
// what happens to proposals while nothing commits.
import { describe, expect, it } from 'vitest';
import { bootstrapState, MemoryStorage, RawNode, type Entry, type Ready } from '../../raft/index.js';
import { EtcdError } from '../../rpc/etcd-errors.js';
import { Proposals } from '../../cluster/proposals.js';
import { RaftDriver } from '../../cluster/raft-driver.js';

/**
 * A single-voter member whose disk stops once proposals arrive: it elects itself, then no save
 * holding a proposal ever completes, so nothing it proposes commits.
 */
function stuckLeader(maxUncommittedEntriesSize: number): { driver: RaftDriver; proposals: Proposals; proposed: Entry[][] } {
  const storage = new MemoryStorage();
  const boot = bootstrapState([1]);
  storage.append(boot.entries);
  storage.setHardState(boot.hardState);
  const node = new RawNode({ id: 1, storage, random: { int: () => 0 }, maxUncommittedEntriesSize, electionTick: 10, heartbeatTick: 1 });
  const proposed: Entry[][] = [];
  let proposals: Proposals | undefined;
  const driver: RaftDriver = new RaftDriver(
    node,
    {
      save: (rd: Ready) => {
        const data = rd.entries.filter((e) => e.type === 'normal' && e.data.length > 0);
        if (data.length === 0) {
          storage.append(rd.entries);
          if (rd.hardState) storage.setHardState(rd.hardState);
          return Promise.resolve();
        }
        proposed.push(data);
        return new Promise<void>(() => undefined);
      },
      send: () => undefined,
      installSnapshot: async () => undefined,
      // The bootstrap entries configure the member: they reach raft as they are applied.
      apply: async (entries) => {
        for (const e of entries) if (e.type === 'confChange') driver.applyConfChange(e);
      },
      onSoftState: () => undefined,
      onReadStates: () => undefined,
      beforeReady: () => proposals?.flush(),
      onFatal: (e) => {
        throw e;
      },
    },
    { soon: (fn) => setImmediate(fn) },
    0,
  );
  proposals = new Proposals(driver, { self: 1, maxRequestBytes: 1 << 20, requestTimeoutMs: 5000, electionTimeoutMs: 1000, now: () => performance.now() });
  return { driver, proposals, proposed };
}

/** Ticks until the member has applied its configuration and, the only voter, elected itself. */
async function electItself(driver: RaftDriver): Promise<void> {
  for (let i = 0; i < 100 && driver.status().role !== 'leader'; i++) {
    driver.tick();
    await new Promise((r) => setImmediate(r));
  }
  expect(driver.status().role).toBe('leader');
}

const put = (key: string) => ({ type: 'put' as const, request: { key: Buffer.from(key), value: Buffer.alloc(200) } });
const code = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof EtcdError ? e.code : String(e)),
  );

describe('proposals while nothing commits', () => {
  it("answer etcd's too-many-requests once the leader holds its limit of uncommitted entries, at once rather than after retries", async () => {
    const { driver, proposals } = stuckLeader(2000);
    await electItself(driver);
    const outcomes: Promise<string>[] = [];
    for (let i = 0; i < 30; i++) {
      outcomes.push(code(proposals.propose(put(`k${i}`))));
      // One batch per Ready: let each go on its own.
      await new Promise((r) => setImmediate(r));
    }
    const started = performance.now();
    const refused = outcomes.slice(-5);
    expect(await Promise.all(refused)).toEqual(Array(5).fill('ETCD_TOO_MANY_REQUESTS'));
    expect(performance.now() - started).toBeLessThan(1000);
    proposals.stop(new EtcdError('ETCD_STOPPED'));
    void driver.stop(new EtcdError('ETCD_STOPPED')); // its last save never completes: nothing to wait for
  });

  it('forget a proposal whatever ends it, and never hand raft one whose client left while it was queued', async () => {
    const { driver, proposals, proposed } = stuckLeader(0);
    await electItself(driver);
    const controller = new AbortController();
    const cancelled = code(proposals.propose(put('gone'), { signal: controller.signal }));
    controller.abort(new EtcdError('ETCD_CANCELED'));
    const kept = code(proposals.propose(put('kept')));
    expect(await cancelled).toBe('ETCD_CANCELED');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(proposed.flat()).toHaveLength(1); // only "kept" reached the log
    expect(proposals.size).toBe(1);
    proposals.stop(new EtcdError('ETCD_STOPPED'));
    expect(await kept).toBe('ETCD_STOPPED');
    expect(proposals.size).toBe(0);
    void driver.stop(new EtcdError('ETCD_STOPPED')); // its last save never completes: nothing to wait for
  });
});
