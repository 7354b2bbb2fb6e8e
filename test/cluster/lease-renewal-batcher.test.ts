// The follower's renewal batching on its own: which renewals travel together, and how each waiter
// learns its own outcome or the call's failure.
import { describe, expect, it } from 'vitest';
import { RenewalBatcher, type RenewalOutcome } from '../../cluster/lease-renewal-batcher.js';

interface Call {
  readonly ids: readonly bigint[];
  readonly timeoutMs: number;
  answer(outcomes: readonly RenewalOutcome[]): void;
  fail(error: Error): void;
}

function recordingSender(): { calls: Call[]; send: (ids: readonly bigint[], timeoutMs: number) => Promise<readonly RenewalOutcome[]> } {
  const calls: Call[] = [];
  return {
    calls,
    send: (ids, timeoutMs) =>
      new Promise((resolve, reject) => {
        calls.push({ ids: [...ids], timeoutMs, answer: resolve, fail: reject });
      }),
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RenewalBatcher', () => {
  it('sends the first renewals at once and the ones that arrive meanwhile together in the next call', async () => {
    const { calls, send } = recordingSender();
    const clock = { t: 1000 };
    const batcher = new RenewalBatcher(send, { maxInFlight: 2, now: () => clock.t });
    const first = batcher.renew(1n, 5000);
    const second = batcher.renew(2n, 5000);
    const queued = [3n, 4n, 5n].map((id) => batcher.renew(id, 5000));
    expect(calls.map((c) => c.ids)).toEqual([[1n], [2n]]);
    expect(batcher.waiting).toBe(3);

    calls[0]!.answer([{ ttl: 30 }]);
    expect(await first).toBe(30);
    await settle();
    expect(calls.map((c) => c.ids)).toEqual([[1n], [2n], [3n, 4n, 5n]]);
    calls[2]!.answer([{ ttl: 10 }, { ttl: 0 }, { error: new Error('not leader') }]);
    const outcomes = await Promise.allSettled(queued);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([10, 0, 'not leader']);
    calls[1]!.answer([{ ttl: 20 }]);
    expect(await second).toBe(20);
  });

  it('fails every renewal of a call that got no answer, and goes on with the next ones', async () => {
    const { calls, send } = recordingSender();
    const batcher = new RenewalBatcher(send, { maxInFlight: 1, now: () => 0 });
    const lost = [batcher.renew(1n, 5000), batcher.renew(2n, 5000)];
    calls[0]!.fail(new Error('connection lost'));
    await expect(lost[0]).rejects.toThrow('connection lost');
    await settle();
    expect(calls.map((c) => c.ids)).toEqual([[1n], [2n]]);
    calls[1]!.fail(new Error('connection lost'));
    await expect(lost[1]).rejects.toThrow('connection lost');
    const later = batcher.renew(3n, 5000);
    expect(calls).toHaveLength(3);
    calls[2]!.answer([{ ttl: 5 }]);
    expect(await later).toBe(5);
  });

  it('refuses an answer with the wrong number of results, and gives the call its least patient deadline', async () => {
    const { calls, send } = recordingSender();
    const clock = { t: 0 };
    const batcher = new RenewalBatcher(send, { maxInFlight: 1, now: () => clock.t });
    const blocker = batcher.renew(9n, 100_000);
    const a = batcher.renew(1n, 8000);
    clock.t = 1000;
    const b = batcher.renew(2n, 3000);
    calls[0]!.answer([{ ttl: 1 }]);
    await blocker;
    await settle();
    expect(calls[1]!.ids).toEqual([1n, 2n]);
    expect(calls[1]!.timeoutMs).toBe(3000);
    calls[1]!.answer([{ ttl: 1 }]);
    await expect(a).rejects.toThrow('answered 2 lease renewals with 1 results');
    await expect(b).rejects.toThrow('answered 2 lease renewals with 1 results');
  });

  it('keeps a call within its largest batch', async () => {
    const { calls, send } = recordingSender();
    const batcher = new RenewalBatcher(send, { maxInFlight: 1, maxBatch: 2, now: () => 0 });
    const all = [1n, 2n, 3n, 4n, 5n, 6n].map((id) => batcher.renew(id, 5000));
    for (let i = 0; i < 4; i++) {
      const call = calls[i]!;
      call.answer(call.ids.map((id) => ({ ttl: Number(id) })));
      await settle();
    }
    expect(calls.map((c) => c.ids)).toEqual([[1n], [2n, 3n], [4n, 5n], [6n]]);
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
