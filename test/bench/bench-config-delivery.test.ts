// `lodestone bench config-delivery` run as a user runs it, tiny: 20 subscriptions and one
// `lodestone exec` on a fresh one-member Lodestone, two publishes. Every subscription must receive
// every release, the restarted program must start with every new value, the plain watcher and the
// lone subscriber must see every change, and every figure must be there.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cluster.js';

const run = promisify(execFile);

interface Row {
  readonly count?: number;
  readonly errors?: number;
  readonly firstError?: string;
  readonly value?: number;
  readonly latency?: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number };
}

interface BenchJson {
  readonly systems: readonly string[];
  readonly jobs: readonly { workload: string; skipped?: string; rows: readonly { key: string; systems: Record<string, { median: Row }> }[] }[];
}

describe('lodestone bench config-delivery', () => {
  it('times two publishes to 20 subscriptions and to a program restarted by exec, every one delivered', async () => {
    const args = ['run', 'lodestone', '--', 'bench', 'config-delivery', '--members', '1', '--watchers', '20', '--total', '2', '--rounds', '1', '--warm-up', '0s', '--json'];
    const { stdout } = await run('npm', args, { cwd: REPO_ROOT, timeout: 90_000, maxBuffer: 16 << 20 });
    const doc = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as BenchJson;
    expect(doc.systems).toEqual(['Lodestone']);
    const job = doc.jobs.find((j) => j.workload === 'config-delivery')!;
    expect(job.skipped).toBeUndefined();
    const row = (key: string): Row => {
      const found = job.rows.find((r) => r.key === key);
      expect(found, `row ${key}`).toBeDefined();
      return found!.systems.Lodestone!.median;
    };
    const timed = (key: string, count: number): void => {
      const r = row(key);
      expect(r.errors, r.firstError).toBe(0);
      expect(r.count, key).toBe(count);
      expect(r.latency!.p50Ms).toBeGreaterThanOrEqual(0);
      expect(r.latency!.p50Ms).toBeLessThanOrEqual(r.latency!.p99Ms);
      expect(r.latency!.p99Ms).toBeLessThanOrEqual(r.latency!.maxMs);
    };

    timed('delay', 2 * 20); // every subscription, every release
    expect(row('missed').value).toBe(0);
    timed('last', 2);
    timed('write', 2);
    timed('exec', 2);
    timed('plain-watch', 2);
    timed('lone', 2);
  }, 90_000);
});
