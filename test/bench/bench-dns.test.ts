// `lodestone bench dns` run as a user runs it: a tiny run on a fresh one-member Lodestone, checking
// that the dns workload answers every query (no errors) and reports plausible figures.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cluster.js';

const run = promisify(execFile);

interface Row {
  readonly key: string;
  readonly perSecond?: number;
  readonly count?: number;
  readonly errors?: number;
  readonly firstError?: string;
  readonly latency?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

interface BenchJson {
  readonly jobs: readonly { workload: string; skipped?: string; rows: readonly { key: string; systems: Record<string, { median: Row }> }[] }[];
}

describe('lodestone bench dns', () => {
  it('answers every A and SRV query on a member with registered instances', async () => {
    const args = ['run', 'lodestone', '--', 'bench', 'dns', '--members', '1', '--leases', '200', '--duration', '2s', '--rounds', '1', '--warm-up', '0s', '--clients', '16', '--json'];
    const { stdout } = await run('npm', args, { cwd: REPO_ROOT, timeout: 90_000, maxBuffer: 16 << 20 });
    const doc = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as BenchJson;
    const job = doc.jobs.find((j) => j.workload === 'dns')!;
    expect(job.skipped).toBeUndefined();
    const row = job.rows.find((r) => r.key === 'queries')!.systems.Lodestone!.median;
    expect(row.errors, row.firstError).toBe(0);
    expect(row.count).toBeGreaterThan(100);
    expect(row.perSecond).toBeGreaterThan(0);
    expect(row.latency!.p50Ms).toBeLessThanOrEqual(row.latency!.p99Ms);
    expect(row.latency!.p99Ms).toBeLessThanOrEqual(row.latency!.maxMs);
  }, 90_000);
});
