// The two compactors' schedules against a fake clock: which revision each compacts and when, the
// window a periodic one keeps, its retries, and the pause a follower is in. The compaction itself
// is a member's Compact (auto-compaction.test.ts runs that end to end).
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicCompactor, RevisionCompactor, type CompactorHost } from '../../cluster/auto-compactor.js';
import { CompactedError } from '../../store/errors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface FakeHost extends CompactorHost {
  rev: number;
  /** When each compaction was asked for, and at which revision. */
  readonly calls: { at: number; revision: number }[];
  failNext: Error | undefined;
  readonly lines: string[];
}

function fakeHost(): FakeHost {
  const lines: string[] = [];
  const host: FakeHost = {
    rev: 1,
    calls: [],
    failNext: undefined,
    lines,
    revision: () => host.rev,
    compact: async (revision) => {
      host.calls.push({ at: Date.now(), revision });
      const e = host.failNext;
      host.failNext = undefined;
      if (e) throw e;
    },
    now: () => Date.now(),
    logger: pino({ level: 'info' }, { write: (s: string) => lines.push((JSON.parse(s) as { msg: string }).msg) }),
  };
  return host;
}

/** Advances the clock in steps, one revision written per step. */
async function run(host: FakeHost, ms: number, stepMs: number): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    host.rev += 1;
    await vi.advanceTimersByTimeAsync(stepMs);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the periodic compactor, as etcd 3.4', () => {
  it('waits one period, then compacts every period to the revision of one period ago', async () => {
    const host = fakeHost();
    const c = new PeriodicCompactor(host, 10 * MINUTE);
    c.start();
    c.resume();
    // One revision a minute: at minute m the store is at revision m + 1 (sampled before the write).
    await run(host, 35 * MINUTE, MINUTE);
    c.stop();
    // Samples every minute, 11 kept: at minute 20 the oldest is minute 9's (etcd samples, waits, then
    // compacts — the sample of the compaction's own minute is taken after it).
    expect(host.calls).toEqual([
      { at: 10 * MINUTE, revision: 1 },
      { at: 20 * MINUTE, revision: 10 },
      { at: 30 * MINUTE, revision: 20 },
    ]);
    expect(host.lines).toContain('Starting auto-compaction at revision 10 (retention: 10m0s)');
    expect(host.lines).toContain('Finished auto-compaction at revision 10');
  });

  it('over an hour: samples every 6 minutes, compacts hourly, keeps the whole period', async () => {
    const host = fakeHost();
    const c = new PeriodicCompactor(host, 2 * HOUR);
    c.start();
    c.resume();
    await run(host, 4 * HOUR + MINUTE, 6 * MINUTE);
    c.stop();
    // A revision every 6 minutes: minute m's sample is 1 + m / 6; 21 are kept, so at hour 3 the
    // oldest is minute 54's.
    expect(host.calls).toEqual([
      { at: 2 * HOUR, revision: 1 },
      { at: 3 * HOUR, revision: 10 },
      { at: 4 * HOUR, revision: 20 },
    ]);
    expect(host.lines).toContain('Starting auto-compaction at revision 10 (retention: 2h0m0s)');
  });

  it('tries a failed compaction again one sample later, with the window moved on; a compacted revision counts as done', async () => {
    const host = fakeHost();
    const c = new PeriodicCompactor(host, 10 * MINUTE);
    c.start();
    c.resume();
    await run(host, 19 * MINUTE, MINUTE);
    host.failNext = new Error('etcdserver: request timed out');
    await run(host, 2 * MINUTE, MINUTE);
    host.failNext = new CompactedError();
    await run(host, 11 * MINUTE, MINUTE);
    c.stop();
    expect(host.calls).toEqual([
      { at: 10 * MINUTE, revision: 1 },
      { at: 20 * MINUTE, revision: 10 },
      { at: 21 * MINUTE, revision: 11 },
      // The compacted one counted as a success: the next comes a period after it.
      { at: 31 * MINUTE, revision: 21 },
    ]);
    expect(host.lines).toContain('Failed auto-compaction at revision 10 (etcdserver: request timed out)');
    expect(host.lines).toContain('Retry after 1m0s');
    expect(host.lines).toContain('Finished auto-compaction at revision 11');
  });

  it('compacts nothing while paused (a follower), and compacts when it leads, at once if due', async () => {
    const host = fakeHost();
    const c = new PeriodicCompactor(host, 10 * MINUTE);
    c.start();
    await run(host, 25 * MINUTE, MINUTE);
    expect(host.calls).toEqual([]);
    c.resume();
    await run(host, 1 * MINUTE, MINUTE);
    c.pause();
    await run(host, 20 * MINUTE, MINUTE);
    c.stop();
    // It kept sampling while paused: the window is the last ten minutes when it takes over.
    expect(host.calls).toEqual([{ at: 26 * MINUTE, revision: 16 }]);
  });
});

describe('the revision compactor, as etcd 3.4', () => {
  it('every 5 minutes compacts to the current revision less the retention, not twice to the same one', async () => {
    const host = fakeHost();
    const c = new RevisionCompactor(host, 100, 5 * MINUTE);
    c.start();
    c.resume();
    host.rev = 50;
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(host.calls).toEqual([]);
    host.rev = 250;
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    host.rev = 400;
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    c.pause();
    host.rev = 900;
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    c.stop();
    expect(host.calls).toEqual([
      { at: 10 * MINUTE, revision: 150 },
      { at: 20 * MINUTE, revision: 300 },
    ]);
    expect(host.lines).toContain('Starting auto-compaction at revision 150 (retention: 100 revisions)');
    expect(host.lines).toContain('Finished auto-compaction at revision 150');
  });

  it('tries a failed revision again at the next check', async () => {
    const host = fakeHost();
    const c = new RevisionCompactor(host, 10, 5 * MINUTE);
    c.start();
    c.resume();
    host.rev = 30;
    host.failNext = new Error('etcdserver: no leader');
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    c.stop();
    expect(host.calls).toEqual([
      { at: 5 * MINUTE, revision: 20 },
      { at: 10 * MINUTE, revision: 20 },
    ]);
    expect(host.lines).toContain('Retry after 5m0s');
  });
});
