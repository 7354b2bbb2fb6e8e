// PeerTransport between real transports on loopback: messages arrive in order, batched, split at
// the batch limit; what cannot be sent is reported, never thrown.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../raft/messages.js';
import { PeerTransport } from '../../rpc/peer-transport.js';
import { BadOptionsError, NotStartedError } from '../../rpc/peer-errors.js';
import { encodeMessage } from '../../rpc/peer-message-codec.js';
import { closeAll, numbered, range, sequenceOf, startCluster, type Member } from './peer-test-helpers.js';

const digest = (m: Message): string => createHash('sha256').update(encodeMessage(m)).digest('hex');

let members: Member[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

/** Sends `count` numbered messages from `a` to `b`, in send() calls of varying size. */
function sendNumbered(a: Member, b: Member, from: number, count: number): void {
  let seq = from;
  let size = 1;
  while (seq < from + count) {
    const n = Math.min(size, from + count - seq);
    a.transport.send(range(seq, seq + n).map((s) => numbered(a.id, b.id, s)));
    seq += n;
    size = (size * 7) % 97 || 1;
  }
}

describe('delivery', () => {
  it('two members exchange thousands of messages, in order, both ways', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    sendNumbered(a, b, 0, 5000);
    sendNumbered(b, a, 0, 5000);
    await b.handler.until(() => b.handler.received.length === 5000);
    await a.handler.until(() => a.handler.received.length === 5000);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(0, 5000));
    expect(a.handler.received.map(sequenceOf)).toEqual(range(0, 5000));
    expect(b.handler.received[0]).toStrictEqual(numbered(1, 2, 0));
    expect(a.handler.unreachable).toEqual([]);
  });

  it('three members: each receives every other’s messages in the order they were sent', async () => {
    members = await startCluster(3);
    // Interleave all six directions, a few messages at a time.
    for (let round = 0; round < 400; round++) {
      for (const a of members) {
        for (const b of members) {
          if (a !== b) a.transport.send(range(round * 5, round * 5 + 5).map((s) => numbered(a.id, b.id, s)));
        }
      }
    }
    for (const b of members) {
      await b.handler.until(() => b.handler.received.length === 4000);
      for (const a of members) {
        if (a !== b) expect(b.handler.receivedFrom(a.id).map(sequenceOf)).toEqual(range(0, 2000));
      }
    }
  });

  it('one send() carrying messages for several peers delivers each to its own', async () => {
    members = await startCluster(3);
    const [a, b, c] = members as [Member, Member, Member];
    a.transport.send([numbered(1, 2, 0), numbered(1, 3, 0), numbered(1, 2, 1), numbered(1, 3, 1)]);
    await b.handler.until(() => b.handler.received.length === 2);
    await c.handler.until(() => c.handler.received.length === 2);
    expect(b.handler.received.every((m) => m.to === 2)).toBe(true);
    expect(c.handler.received.every((m) => m.to === 3)).toBe(true);
  });
});

describe('batching', () => {
  it('messages queued while a batch is in flight leave together in the next', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.transport.send([numbered(1, 2, 0)]);
    await b.handler.until(() => b.handler.received.length === 1);
    // One message per send(), all in the same turn: the first is written at once, the rest wait for it.
    for (let seq = 1; seq <= 2000; seq++) a.transport.send([numbered(1, 2, seq)]);
    await b.handler.until(() => b.handler.received.length === 2001);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(0, 2001));
    // Far fewer batches than messages.
    expect(b.handler.batchSizes.length).toBeLessThanOrEqual(10);
  });

  it('splits a backlog at the batch limit, and a message larger than a batch still goes, alone', async () => {
    members = await startCluster(2, { limits: { maxBatchBytes: 64 * 1024 } });
    const [a, b] = members as [Member, Member];
    const big = (seq: number, bytes: number): Message => ({
      type: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevIndex: seq,
      prevTerm: 1,
      commit: 0,
      entries: [{ type: 'normal', term: 1, index: seq + 1, data: new Uint8Array(bytes).fill(seq % 251) }],
    });
    const messages = range(0, 100).map((seq) => big(seq, seq === 50 ? 300 * 1024 : 10 * 1024));
    a.transport.send(messages);
    await b.handler.until(() => b.handler.received.length === 100);
    // Compared by digest of the encodings: a deep comparison of 1.3 MB of typed arrays is needlessly slow.
    expect(b.handler.received.map(digest)).toEqual(messages.map(digest));
    // Six 10 KiB messages fill a 64 KiB batch: 99 of them take 17 batches, the 300 KiB one its own.
    expect(b.handler.batchSizes.length).toBeGreaterThanOrEqual(18);
    expect(Math.max(...b.handler.batchSizes)).toBeLessThanOrEqual(6);
  });

  it('a message over the gRPC message limit is dropped and reported; later ones still arrive', async () => {
    members = await startCluster(2, { limits: { maxMessageBytes: 256 * 1024, maxBatchBytes: 64 * 1024 } });
    const [a, b] = members as [Member, Member];
    const huge: Message = {
      type: 'append',
      from: 1,
      to: 2,
      term: 1,
      prevIndex: 0,
      prevTerm: 0,
      commit: 0,
      entries: [{ type: 'normal', term: 1, index: 1, data: new Uint8Array(512 * 1024) }],
    };
    expect(() => a.transport.send([huge, numbered(1, 2, 1)])).not.toThrow();
    await a.handler.until(() => a.handler.unreachable.includes(2));
    await b.handler.until(() => b.handler.received.length === 1);
    expect(b.handler.received.map(sequenceOf)).toEqual([1]);
  });
});

describe('what cannot be sent', () => {
  it('a message for an unknown peer is reported unreachable, not thrown', async () => {
    members = await startCluster(1);
    const [a] = members as [Member];
    let reportedInsideSend = false;
    const send = (): void => {
      a.transport.send([numbered(1, 9, 0)]);
      reportedInsideSend = a.handler.unreachable.length > 0;
    };
    expect(send).not.toThrow();
    expect(reportedInsideSend).toBe(false);
    await a.handler.until(() => a.handler.unreachable.includes(9));
  });

  it('send() after close() does nothing', async () => {
    members = await startCluster(2);
    const [a] = members as [Member];
    await a.transport.close();
    expect(() => a.transport.send([numbered(1, 2, 0)])).not.toThrow();
    await Promise.resolve();
    expect(a.handler.unreachable).toEqual([]);
  });
});

describe('options', () => {
  const handler = {
    onMessages: () => {},
    onSnapshot: async () => {},
    snapshotPayload: async function* () {},
    onUnreachable: () => {},
    onSnapshotStatus: () => {},
  };

  it('refuses bad ids and addresses with typed errors', async () => {
    expect(() => new PeerTransport({ selfId: 0, clusterId: 'c', listen: '127.0.0.1:0', handler })).toThrow(BadOptionsError);
    expect(() => new PeerTransport({ selfId: 1, clusterId: '', listen: '127.0.0.1:0', handler })).toThrow(BadOptionsError);
    const t = new PeerTransport({ selfId: 1, clusterId: 'c', listen: '127.0.0.1:0', handler });
    expect(() => t.port).toThrow(NotStartedError);
    expect(() => t.setPeer(1, ['127.0.0.1:1'])).toThrow(BadOptionsError);
    expect(() => t.setPeer(2, [])).toThrow(BadOptionsError);
    expect(() => t.setPeer(2.5, ['127.0.0.1:1'])).toThrow(BadOptionsError);
    await t.close();
  });

  it('reports a listen address it cannot bind', async () => {
    members = await startCluster(1);
    const taken = members[0]!.address;
    const t = new PeerTransport({ selfId: 2, clusterId: 'c', listen: taken, handler });
    await expect(t.start()).rejects.toMatchObject({ code: 'PEER_BAD_OPTIONS' });
    await t.close();
  });
});
