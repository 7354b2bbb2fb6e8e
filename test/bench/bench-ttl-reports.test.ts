// `lodestone bench ttl-reports` run as a user runs it: a tiny run on a fresh 3-member Lodestone,
// checking that every report is taken and that steady reports write nothing.
import { describe, expect, it } from 'vitest';
import { benchJob, medianRow } from '../support/bench-json.js';

describe('lodestone bench ttl-reports', () => {
  it('takes every report through the members and writes nothing for steady ones', async () => {
    const args = ['--instances', '100', '--services', '10', '--max-interval', '60s', '--duration', '2s', '--rounds', '1', '--warm-up', '0s', '--clients', '8', '--target', 'all'];
    const job = await benchJob('ttl-reports', args, 120_000);
    expect(job.skipped).toBeUndefined();
    const reports = medianRow(job, 'reports', 'Lodestone');
    expect(reports.errors, reports.firstError).toBe(0);
    // More reports than checks: every check was reported on again after its clock started.
    expect(reports.count).toBeGreaterThan(100);
    expect(medianRow(job, 'writes', 'Lodestone').value).toBe(0);
  }, 120_000);
});
