// The Watch service and slow clients: a client that stops reading fills its own stream's buffer,
// its watchers pause and the member keeps their place; the others go on. When it reads again it
// gets every event, in order, once. A client that goes away takes its watchers with it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchResponse } from '../../rpc/etcd-api.js';
import { RawWatchStream, watchClient } from './watch-test-client.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

const PUTS = 300;
const VALUE = Buffer.alloc(8 * 1024, 'v');

/** Responses until `count` events have arrived; returns the events' mod revisions. */
async function eventRevisions(stream: RawWatchStream, count: number): Promise<number[]> {
  const revisions: number[] = [];
  while (revisions.length < count) {
    const r: WatchResponse = await stream.next();
    for (const e of r.events) revisions.push(Number(e.kv!.mod_revision));
  }
  return revisions;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the Watch service with slow and vanishing clients', () => {
  let served: ServedMember;
  let member: TestMember;
  const streams: RawWatchStream[] = [];

  const open = (): RawWatchStream => {
    const s = new RawWatchStream(watchClient(served.address, { ownConnection: true }));
    streams.push(s);
    return s;
  };

  beforeEach(async () => {
    served = await serveServices(new TestMember(), { maxBufferedBytes: 256 * 1024 });
    member = served.member;
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await served.close();
  });

  it('lets a client that reads keep up while another stops reading, and catches the slow one up in order', async () => {
    const slow = open();
    const fast = open();
    slow.create({ key: Buffer.from('s/'), range_end: Buffer.from('s0') });
    fast.create({ key: Buffer.from('s/'), range_end: Buffer.from('s0') });
    await slow.next();
    await fast.next();
    slow.stream.pause();

    for (let i = 0; i < PUTS; i++) await member.write({ type: 'put', request: { key: Buffer.from(`s/${i % 7}`), value: VALUE } });
    const expected = Array.from({ length: PUTS }, (_, i) => i + 2);

    expect(await eventRevisions(fast, PUTS)).toEqual(expected);
    // The full buffer reached the member: it holds the slow watcher back instead of queueing for it.
    expect(member.pauses).toBeGreaterThan(0);
    expect(member.watchersBehind()).toBe(1);

    slow.stream.resume();
    expect(await eventRevisions(slow, PUTS)).toEqual(expected);
    slow.requestProgress();
    expect((await slow.next()).watch_id).toBe('-1');
  });

  it('cancels every watcher of a client that goes away, even one that stopped reading', async () => {
    const reader = open();
    const stalled = open();
    for (const s of [reader, stalled]) {
      s.create({ key: Buffer.from('x') });
      s.create({ key: Buffer.from('y'), progress_notify: true });
      await s.take(2);
    }
    stalled.stream.pause();
    for (let i = 0; i < 100; i++) await member.write({ type: 'put', request: { key: Buffer.from('x'), value: VALUE } });
    expect(member.openWatchers).toBe(4);

    stalled.close();
    await until(() => member.openWatchers === 2);
    reader.close();
    await until(() => member.openWatchers === 0);
  });
});
