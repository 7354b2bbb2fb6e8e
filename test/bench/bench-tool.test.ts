// `lodestone bench` run as a user runs it (npm run lodestone -- bench …): a workload against a
// running cluster (--endpoints), and the target set with a real etcd beside (--against etcd), both
// tiny, checking the --json document's shape and that its figures are plausible.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinaries } from '../support/binaries.js';
import { REPO_ROOT, TestCluster } from '../support/cluster.js';

const run = promisify(execFile);

interface Latency {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface BenchRow {
  readonly key: string;
  readonly perSecond?: number;
  readonly count?: number;
  readonly errors?: number;
  readonly latency?: Latency;
  readonly value?: number;
}

interface BenchJson {
  readonly systems: readonly string[];
  readonly jobs: readonly { key: string; workload: string; rows: readonly { key: string; systems: Record<string, { median: BenchRow; rounds: readonly BenchRow[] }>; ratio?: { median: number; rounds: readonly number[] } }[] }[];
  readonly targets?: readonly { label: string; lodestone: { median: number } | null; etcd: { median: number } | null; ratio: { median: number; min: number; max: number } | null; met: boolean | null }[];
}

/** Runs the tool through npm as documented; npm's own banner precedes the JSON on stdout. */
async function bench(args: readonly string[], timeoutMs: number): Promise<BenchJson> {
  const { stdout } = await run('npm', ['run', 'lodestone', '--', 'bench', ...args, '--json'], { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 << 20 });
  const start = stdout.search(/^\{/m);
  expect(start, stdout).toBeGreaterThanOrEqual(0);
  return JSON.parse(stdout.slice(start)) as BenchJson;
}

function expectPlausibleLoad(row: BenchRow): void {
  expect(row.perSecond).toBeGreaterThan(0);
  expect(row.count).toBeGreaterThan(0);
  expect(row.errors).toBe(0);
  const l = row.latency!;
  expect(l.p50Ms).toBeGreaterThanOrEqual(0);
  expect(l.p50Ms).toBeLessThanOrEqual(l.p90Ms);
  expect(l.p90Ms).toBeLessThanOrEqual(l.p99Ms);
  expect(l.p99Ms).toBeLessThanOrEqual(l.maxMs);
}

describe('lodestone bench put --endpoints', () => {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 1, logLevel: 'warn' });
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('measures puts on the running cluster and reports ops/s and ordered percentiles', async () => {
    const doc = await bench(['put', '--endpoints', cluster!.endpoints.join(','), '--duration', '1s', '--rounds', '1', '--warm-up', '0s', '--clients', '8'], 30_000);
    expect(doc.systems).toEqual(['cluster']);
    expect(doc.targets).toBeUndefined();
    const put = doc.jobs.find((j) => j.workload === 'put')!;
    const row = put.rows.find((r) => r.key === 'put')!;
    expect(row.systems.cluster!.rounds).toHaveLength(1);
    expectPlausibleLoad(row.systems.cluster!.median);
  }, 30_000);
});

const etcd = checkBinaries(['etcd'], 'lodestone bench --against etcd');

describe.runIf(etcd.run)('lodestone bench --against etcd (the target set)', () => {
  it('measures both systems in the same rounds and judges every target', async () => {
    etcd.assertPresent();
    const doc = await bench(
      ['--against', 'etcd', '--duration', '200ms', '--rounds', '1', '--warm-up', '0s', '--keys', '2000', '--key-space', '1000', '--leases', '100'],
      55_000,
    );
    expect(doc.systems).toEqual(['Lodestone', 'etcd']);
    const put = doc.jobs.find((j) => j.key === 'put-64')!.rows[0]!;
    for (const name of doc.systems) expectPlausibleLoad(put.systems[name]!.median);
    expect(put.ratio!.rounds).toHaveLength(1);
    const restart = doc.jobs.find((j) => j.key === 'restart')!;
    for (const row of restart.rows) for (const name of doc.systems) expect(row.systems[name]!.median.value).toBeGreaterThan(0);
    expect(doc.targets!.length).toBeGreaterThanOrEqual(14);
    for (const t of doc.targets!) {
      expect(t.lodestone?.median, t.label).toBeGreaterThan(0);
      expect(t.etcd?.median, t.label).toBeGreaterThan(0);
      expect(typeof t.met, t.label).toBe('boolean');
      if (t.ratio) expect(t.ratio.min).toBeLessThanOrEqual(t.ratio.max);
    }
  }, 60_000);
});
