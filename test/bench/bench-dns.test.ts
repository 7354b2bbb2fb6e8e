// `lodestone bench dns` run as a user runs it: a tiny run on a fresh one-member Lodestone, checking
// that the dns workload answers every query (no errors) and reports plausible figures.
import { describe, expect, it } from 'vitest';
import { benchJob, medianRow } from '../support/bench-json.js';

describe('lodestone bench dns', () => {
  it('answers every A and SRV query on a member with registered instances', async () => {
    const job = await benchJob('dns', ['--members', '1', '--leases', '200', '--duration', '2s', '--rounds', '1', '--warm-up', '0s', '--clients', '16'], 90_000);
    expect(job.skipped).toBeUndefined();
    const row = medianRow(job, 'queries', 'Lodestone');
    expect(row.errors, row.firstError).toBe(0);
    expect(row.count).toBeGreaterThan(100);
    expect(row.perSecond).toBeGreaterThan(0);
    expect(row.latency!.p50Ms).toBeLessThanOrEqual(row.latency!.p99Ms);
    expect(row.latency!.p99Ms).toBeLessThanOrEqual(row.latency!.maxMs);
    // Offered at 10,000/s: never faster than that, every query answered.
    const paced = medianRow(job, 'queries-paced', 'Lodestone');
    expect(paced.errors, paced.firstError).toBe(0);
    expect(paced.count).toBeGreaterThan(100);
    expect(paced.perSecond).toBeLessThan(11_000);
  }, 90_000);
});
