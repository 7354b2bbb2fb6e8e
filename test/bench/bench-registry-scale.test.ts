// `lodestone bench registry-scale` run as a user runs it, tiny: 50 instances of 5 services, 10
// watchers, on a fresh 3-member Lodestone. Every timed instance must be seen gone by every watcher
// and every member's DNS, every figure must be there, and a killed member's checks must move.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cluster.js';

const run = promisify(execFile);

interface Row {
  readonly count?: number;
  readonly errors?: number;
  readonly firstError?: string;
  readonly perSecond?: number;
  readonly value?: number;
  readonly latency?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

interface BenchJson {
  readonly jobs: readonly { workload: string; skipped?: string; rows: readonly { key: string; systems: Record<string, { median: Row }> }[] }[];
}

describe('lodestone bench registry-scale', () => {
  it('registers, watches, times endpoints going down and a member dying, on a tiny registry', async () => {
    const args = ['run', 'lodestone', '--', 'bench', 'registry-scale', '--instances', '50', '--services', '5', '--watchers', '10', '--max-interval', '3s', '--flips', '5'];
    args.push('--duration', '2s', '--rounds', '1', '--warm-up', '0s', '--clients', '16', '--json');
    const { stdout } = await run('npm', args, { cwd: REPO_ROOT, timeout: 150_000, maxBuffer: 16 << 20 });
    const doc = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as BenchJson;
    const job = doc.jobs.find((j) => j.workload === 'registry-scale')!;
    expect(job.skipped).toBeUndefined();
    const row = (key: string): Row => {
      const found = job.rows.find((r) => r.key === key);
      expect(found, `row ${key}`).toBeDefined();
      return found!.systems.Lodestone!.median;
    };

    const register = row('register');
    expect(register.errors, register.firstError).toBe(0);
    expect(register.count).toBe(50);
    expect(register.perSecond).toBeGreaterThan(0);

    for (const m of [1, 2, 3]) {
      expect(row(`cpu-${m}`).value).toBeGreaterThan(0);
      expect(row(`rss-${m}`).value).toBeGreaterThan(10);
    }
    expect(row('writes').value).toBeGreaterThanOrEqual(0);
    expect(row('http-checks').value).toBeGreaterThan(0);
    expect(row('ttl-reports').value).toBeGreaterThan(0);

    // Bounds here are at most 3 s × 2 failures + 1 s: twice that is plenty even on a loaded machine.
    for (const key of ['gone-watchers', 'gone-dns']) {
      const gone = row(key);
      expect(gone.errors, gone.firstError).toBe(0);
      expect(gone.count).toBe(5);
      expect(gone.latency!.p50Ms).toBeGreaterThan(0);
      expect(gone.latency!.maxMs).toBeLessThan(14_000);
    }

    const dns = row('dns-queries');
    expect(dns.errors, dns.firstError).toBe(0);
    expect(dns.count).toBeGreaterThan(100);
    // Paced at 10,000/s: as many sent as the round's length allows, each answered.
    const paced = row('dns-queries-paced');
    expect(paced.errors, paced.firstError).toBe(0);
    expect(paced.count).toBeGreaterThan(100);
    expect(paced.perSecond).toBeLessThan(11_000);

    expect(row('kill-checks').value).toBeGreaterThan(0);
    expect(row('kill-runner-gone').value).toBeGreaterThan(0);
    const moved = row('kill-moved');
    expect(moved.errors, moved.firstError).toBe(0);
    expect(moved.count).toBeGreaterThan(0);
    expect(moved.latency!.maxMs).toBeLessThan(20_000);
  }, 150_000);
});
