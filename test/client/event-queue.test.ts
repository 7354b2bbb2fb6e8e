// The queue between a watch and its consumer: bounded by pausing the producer, ended by either side.
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../client/event-queue.js';

describe('event queue', () => {
  it('pauses the producer past the high-water mark and resumes it at the low-water mark', async () => {
    let drained = 0;
    const q = new EventQueue<number>({ highWater: 4, lowWater: 1, onDrained: () => drained++, onReturn: () => undefined });
    expect(q.push([1, 2])).toBe(true);
    expect(q.push([3, 4, 5])).toBe(false);
    const taken: number[] = [];
    for (let i = 0; i < 3; i++) taken.push((await q.next()).value as number);
    expect(drained).toBe(0);
    taken.push((await q.next()).value as number);
    expect(drained).toBe(1);
    expect(taken).toEqual([1, 2, 3, 4]);
  });

  it('hands a waiting consumer the next item, then ends after what is queued (or throws the error)', async () => {
    const q = new EventQueue<string>({ highWater: 10, lowWater: 5, onDrained: () => undefined, onReturn: () => undefined });
    const waiting = q.next();
    q.push(['a', 'b']);
    expect(await waiting).toEqual({ value: 'a', done: false });
    q.finish(new Error('gone'));
    expect(await q.next()).toEqual({ value: 'b', done: false });
    await expect(q.next()).rejects.toThrow('gone');
    expect((await q.next()).done).toBe(true);
  });

  it('tells the producer when the consumer stops, and ends a pending next()', async () => {
    let returned = 0;
    const q = new EventQueue<number>({ highWater: 10, lowWater: 5, onDrained: () => undefined, onReturn: () => returned++ });
    const pending = q.next();
    await q.return();
    expect((await pending).done).toBe(true);
    expect(returned).toBe(1);
    q.push([1]);
    expect((await q.next()).done).toBe(true);
  });
});
