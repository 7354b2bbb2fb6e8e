// Prints how many messages per second one transport delivers to another: appends carrying one
// 100-byte entry, handed over 64 at a time as a member hands over a Ready. A figure to watch, not
// an assertion (tests never assert on time); it checks only that everything arrived in order.

import { afterEach, expect, it } from 'vitest';
import type { Message } from '../../raft/messages.js';
import { closeAll, startCluster, type Member } from './peer-test-helpers.js';

let members: Member[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

const TOTAL = 200_000;
const PER_SEND = 64;
/** Messages sent but not yet delivered, at most: below the queue bound, so nothing is dropped. */
const WINDOW = 8192;

function append(seq: number, data: Uint8Array): Message {
  return {
    type: 'append',
    from: 1,
    to: 2,
    term: 1,
    prevIndex: seq,
    prevTerm: 1,
    commit: seq,
    entries: [{ type: 'normal', term: 1, index: seq + 1, data }],
  };
}

it('prints messages per second between two transports (100-byte entries)', async () => {
  members = await startCluster(2);
  const [a, b] = members as [Member, Member];
  const data = new Uint8Array(100).fill(42);
  let delivered = 0;
  let inOrder = true;
  b.handler.onMessages = (messages) => {
    for (const m of messages) {
      if (m.type !== 'append' || m.prevIndex !== delivered) inOrder = false;
      delivered++;
    }
    b.handler.batchSizes.push(messages.length);
    b.handler.notify();
  };
  // Warm up the connection and the code paths.
  a.transport.send([append(0, data)]);
  await b.handler.until(() => delivered === 1);
  delivered = 0;
  b.handler.batchSizes.length = 0;

  const started = performance.now();
  let sent = 0;
  while (sent < TOTAL) {
    if (sent - delivered >= WINDOW) {
      await b.handler.until(() => sent - delivered < WINDOW / 2);
      continue;
    }
    const batch: Message[] = [];
    for (let i = 0; i < PER_SEND && sent < TOTAL; i++) batch.push(append(sent++, data));
    a.transport.send(batch);
  }
  await b.handler.until(() => delivered === TOTAL);
  const seconds = (performance.now() - started) / 1000;

  const perSecond = Math.round(TOTAL / seconds);
  const batches = b.handler.batchSizes.length;
  console.log(
    `peer transport: ${TOTAL} appends (100-byte entry) in ${seconds.toFixed(2)} s = ${perSecond.toLocaleString('en-US')} msg/s, ` +
      `${batches} batches (${Math.round(TOTAL / batches)} msgs/batch)`,
  );
  expect(inOrder).toBe(true);
  expect(a.handler.unreachable).toEqual([]);
});
