// `lodestone bench ttl-reports` run as a user runs it: a tiny run on a fresh 3-member Lodestone,
// checking that every report is taken and that steady reports write nothing.
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
  readonly value?: number;
}

interface BenchJson {
  readonly jobs: readonly { workload: string; skipped?: string; rows: readonly { key: string; systems: Record<string, { median: Row }> }[] }[];
}

describe('lodestone bench ttl-reports', () => {
  it('takes every report through the members and writes nothing for steady ones', async () => {
    const args = ['run', 'lodestone', '--', 'bench', 'ttl-reports', '--instances', '100', '--services', '10', '--max-interval', '60s', '--duration', '2s', '--rounds', '1', '--warm-up', '0s', '--clients', '8', '--target', 'all', '--json'];
    const { stdout } = await run('npm', args, { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 << 20 });
    const doc = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as BenchJson;
    const job = doc.jobs.find((j) => j.workload === 'ttl-reports')!;
    expect(job.skipped).toBeUndefined();
    const reports = job.rows.find((r) => r.key === 'reports')!.systems.Lodestone!.median;
    expect(reports.errors, reports.firstError).toBe(0);
    // More reports than checks: every check was reported on again after its clock started.
    expect(reports.count).toBeGreaterThan(100);
    const writes = job.rows.find((r) => r.key === 'writes')!.systems.Lodestone!.median;
    expect(writes.value).toBe(0);
  }, 120_000);
});
