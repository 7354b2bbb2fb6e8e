// The per-peer send queue (bounded, oldest dropped first, batches cut by framed size) and the
// reconnection back-off.

import { describe, expect, it } from 'vitest';
import { Backoff } from '../../rpc/peer-backoff.js';
import { PeerSendQueue, framedSize } from '../../rpc/peer-send-queue.js';

const message = (id: number, size = 10): Uint8Array => new Uint8Array(size).fill(id % 256);

describe('PeerSendQueue', () => {
  it('hands out messages oldest first', () => {
    const q = new PeerSendQueue({ maxMessages: 100, maxBytes: 1e6 });
    for (let i = 0; i < 5; i++) q.push(message(i));
    expect(q.takeBatch(1e6).map((m) => m[0])).toEqual([0, 1, 2, 3, 4]);
    expect(q.length).toBe(0);
    expect(q.byteLength).toBe(0);
  });

  it('drops the oldest past the message bound, and says how many', () => {
    const q = new PeerSendQueue({ maxMessages: 3, maxBytes: 1e6 });
    const dropped = [0, 1, 2, 3, 4].map((i) => q.push(message(i)));
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect(q.takeBatch(1e6).map((m) => m[0])).toEqual([2, 3, 4]);
  });

  it('drops the oldest past the byte bound, but always keeps the newest', () => {
    const q = new PeerSendQueue({ maxMessages: 100, maxBytes: 25 });
    q.push(message(1));
    q.push(message(2));
    expect(q.push(message(3))).toBe(1);
    expect(q.byteLength).toBe(20);
    expect(q.push(message(4, 100))).toBe(2);
    expect(q.takeBatch(1e6).map((m) => m.length)).toEqual([100]);
  });

  it('cuts batches by framed size, and a message larger than a batch goes alone', () => {
    const q = new PeerSendQueue({ maxMessages: 100, maxBytes: 1e6 });
    for (let i = 0; i < 4; i++) q.push(message(i, 100));
    q.push(message(9, 1000));
    q.push(message(10, 100));
    // 100 bytes frame as 102: two fit in 204, three do not.
    expect(framedSize(100)).toBe(102);
    expect(q.takeBatch(204).map((m) => m[0])).toEqual([0, 1]);
    expect(q.takeBatch(204).map((m) => m[0])).toEqual([2, 3]);
    expect(q.takeBatch(204).map((m) => m[0])).toEqual([9]);
    expect(q.takeBatch(204).map((m) => m[0])).toEqual([10]);
    expect(q.takeBatch(204)).toEqual([]);
  });

  it('stays correct across many pushes and takes (the consumed prefix is reclaimed)', () => {
    const q = new PeerSendQueue({ maxMessages: 1e6, maxBytes: 1e9 });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) q.push(message(next++));
      for (const m of q.takeBatch(12 * 2000)) expect(m[0]).toBe(expected++ % 256);
    }
    expect(q.length).toBe(next - expected);
  });

  it('clear() empties it and says how many it held', () => {
    const q = new PeerSendQueue({ maxMessages: 100, maxBytes: 1e6 });
    q.push(message(1));
    q.push(message(2));
    expect(q.clear()).toBe(2);
    expect(q.length).toBe(0);
    expect(q.byteLength).toBe(0);
  });
});

describe('Backoff', () => {
  it('doubles from the initial wait up to the cap, and starts over after reset', () => {
    const b = new Backoff({ initialMs: 50, maxMs: 2000 });
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    b.reset();
    expect(b.next()).toBe(50);
  });
});
