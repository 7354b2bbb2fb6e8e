// The checker catches a real anomaly: with a deliberately weakened setting — reads with
// serializable: true, which a member answers from its own state — issued to a member partitioned
// away while the majority goes on writing, the isolated member serves stale values, and the check
// of the history must say so. The same partition with linearizable reads is fine: the isolated
// member refuses those reads instead.
import { describe, expect, it } from 'vitest';
import { monotonicNanos } from '../linearizability/index.js';
import { Prng } from '../sim/prng.js';
import { TestCluster } from '../support/cluster.js';
import { findLeader, memberHexIds } from './cluster-view.js';
import { FaultFiles } from './fault-files.js';
import type { KvRecord } from './kv-checks.js';
import { KvWorkload } from './kv-workload.js';
import { sleep, type WorkloadContext, type WorkloadReport } from './workload.js';

/**
 * Clients stay on their members (two on each); one follower is cut off from the others until the
 * majority has acknowledged `writesWhileCut` writes and the isolated member has answered
 * `readsWhileCut` reads; then the partition heals and the history is checked.
 */
async function partitionedRun(serializableReads: boolean): Promise<{ report: WorkloadReport; records: readonly KvRecord[]; isolated: number }> {
  const faults = await FaultFiles.create(3);
  const workload = new KvWorkload({
    clients: 6,
    keys: 1,
    opsPerKey: 1_000_000,
    mix: { get: 0.5, put: 0.5, cas: 0, delete: 0 },
    thinkMs: [5, 15],
    timeoutMs: 1500,
    serializableReads,
    stickyClients: true,
  });
  let cluster: TestCluster | undefined;
  const started = monotonicNanos();
  let isolated = -1;
  try {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', memberEnv: ({ index }) => faults.env(index) });
    const ids = await memberHexIds(cluster);
    faults.setMemberIds(ids);
    const leader = (await findLeader(cluster, ids)) ?? 0;
    isolated = (leader + 1) % 3;
    const ctx: WorkloadContext = { cluster, rng: new Prng(42), clock: () => (monotonicNanos() - started) / 1e6, log: () => undefined };
    workload.start(ctx);
    const done = (pred: (r: KvRecord) => boolean, n: number): boolean => workload.recorded.filter(pred).length >= n;
    await until('writes and reads before the partition', () => done((r) => r.outcome === 'ok' && r.input.type === 'get' && r.member === isolated, 5));

    const cutAt = ctx.clock();
    faults.cutBetween([isolated], [0, 1, 2].filter((i) => i !== isolated));
    await faults.flush();
    await until('writes on the majority and answers from the isolated member', () =>
      done((r) => r.call > cutAt + 300 && r.outcome === 'ok' && r.input.type === 'put' && r.member !== isolated, 20) &&
      done((r) => r.call > cutAt + 300 && r.outcome !== 'pending' && r.input.type === 'get' && r.member === isolated, 5),
    );
    faults.clear();
    await faults.flush();
    await workload.stop();
    await cluster.waitReady();
    await workload.finish(ctx);
  } finally {
    workload.close();
    await cluster?.destroy();
    await faults.destroy();
  }
  return { report: workload.check(), records: workload.recorded, isolated };
}

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Reads on `member` that began after a write of another value to the same key was acknowledged, and
 * returned an older value. A value written by a put of unknown outcome is never stale: that put may
 * take effect any time after it began (one sent to the isolated member can commit once the partition
 * heals). The workload moves to a fresh key when one gathers too many puts of unknown outcome, so a
 * read is compared only with the puts of its own key.
 */
function staleReads(records: readonly KvRecord[], member: number): KvRecord[] {
  const putsOf = (key: string): KvRecord[] => records.filter((r) => r.input.type === 'put' && r.input.key === key && r.outcome !== 'fail');
  return records.filter((read) => {
    if (read.input.type !== 'get' || read.member !== member || read.outcome !== 'ok' || read.output?.type !== 'get') return false;
    const puts = putsOf(read.input.key);
    const seen = read.output.value;
    const source = puts.find((w) => w.input.type === 'put' && w.input.value === seen);
    if (source !== undefined && source.outcome !== 'ok') return false;
    // A newer write, acknowledged before this read began, whose own call came after the read value's write returned.
    return puts.some((w) => w.outcome === 'ok' && w !== source && w.return! < read.call && (source === undefined || w.call > source.return!));
  });
}

describe('the checker against a deliberately weakened setting', () => {
  it('reports stale reads when serializable reads go to a member partitioned away', async () => {
    const { report, records, isolated } = await partitionedRun(true);
    const stale = staleReads(records, isolated);
    // The setup did what it meant to: the isolated member answered reads from its old state.
    expect(stale.length).toBeGreaterThan(0);
    const anomaly = report.anomalies.find((a) => a.kind === 'not-linearizable');
    expect(anomaly, 'the checker accepted a history with stale reads').toBeDefined();
    console.log(`stale reads served by the isolated member: ${stale.length}\n${anomaly!.report}`);
    expect(anomaly!.report).toMatch(/get/);
  }, 120_000);

  it('finds nothing wrong with the same partition when the reads are linearizable', async () => {
    const { report, records, isolated } = await partitionedRun(false);
    // The checker's verdict first: it is the authority on the whole history.
    expect(report.anomalies).toEqual([]);
    expect(report.inconclusive).toBe(0);
    expect(staleReads(records, isolated)).toEqual([]);
  }, 120_000);
});
