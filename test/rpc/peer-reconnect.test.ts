// A peer that goes away and comes back: the sender reports it unreachable meanwhile, keeps a
// bounded queue, reconnects with back-off, and the peer gets later messages in order.

import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAll,
  numbered,
  range,
  recordingLogger,
  sequenceOf,
  startCluster,
  startMember,
  unusedPort,
  type Member,
} from './peer-test-helpers.js';

let members: Member[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

describe('a peer that goes down and comes back', () => {
  it('gets later messages, in order, and the sender reports it unreachable meanwhile', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.transport.send(range(0, 100).map((s) => numbered(1, 2, s)));
    await b.handler.until(() => b.handler.received.length === 100);

    await b.transport.close();
    a.transport.send(range(100, 200).map((s) => numbered(1, 2, s)));
    await a.handler.until(() => a.handler.unreachable.includes(2));

    // The same member, restarted on the same port.
    const port = b.transport.port;
    const b2 = await startMember(2, { listen: `127.0.0.1:${port}` });
    members.push(b2);
    b2.transport.setPeer(1, [a.address]);
    a.transport.send(range(200, 300).map((s) => numbered(1, 2, s)));
    await b2.handler.until(() => b2.handler.received.some((m) => sequenceOf(m) === 299));

    const seqs = b2.handler.received.map(sequenceOf);
    // What was queued while the peer was down may arrive too, but everything arrives in order.
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs.filter((s) => s >= 200)).toEqual(range(200, 300));
  });

  it('keeps only the newest messages while the peer is down, and delivers them when it is up', async () => {
    const port = await unusedPort();
    const a = await startMember(1, { limits: { maxQueuedMessages: 100 } });
    members.push(a);
    a.transport.setPeer(2, [`127.0.0.1:${port}`]);
    for (let seq = 0; seq < 1000; seq += 10) a.transport.send(range(seq, seq + 10).map((s) => numbered(1, 2, s)));
    await a.handler.until(() => a.handler.unreachable.includes(2));

    const b = await startMember(2, { listen: `127.0.0.1:${port}` });
    members.push(b);
    b.transport.setPeer(1, [a.address]);
    await b.handler.until(() => b.handler.received.length === 100);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(900, 1000));

    a.transport.send([numbered(1, 2, 1000)]);
    await b.handler.until(() => b.handler.received.length === 101);
    expect(sequenceOf(b.handler.received[100]!)).toBe(1000);
  });

  it('tries the peer’s other addresses while one does not answer', async () => {
    const dead = `127.0.0.1:${await unusedPort()}`;
    const b = await startMember(2);
    const a = await startMember(1);
    members.push(a, b);
    b.transport.setPeer(1, [a.address]);
    a.transport.setPeer(2, [dead, b.address]);
    a.transport.send(range(0, 10).map((s) => numbered(1, 2, s)));
    await b.handler.until(() => b.handler.received.length === 10);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(0, 10));
  });

  it('moves to new addresses given by setPeer', async () => {
    const dead = `127.0.0.1:${await unusedPort()}`;
    const b = await startMember(2);
    const a = await startMember(1);
    members.push(a, b);
    b.transport.setPeer(1, [a.address]);
    a.transport.setPeer(2, [dead]);
    a.transport.send([numbered(1, 2, 0)]);
    await a.handler.until(() => a.handler.unreachable.includes(2));
    a.transport.setPeer(2, [b.address]);
    a.transport.send([numbered(1, 2, 1)]);
    await b.handler.until(() => b.handler.received.some((m) => sequenceOf(m) === 1));
  });
});

describe('a removed member', () => {
  it('has its stream ended and its traffic refused; the sender hears why', async () => {
    const log = recordingLogger();
    const a = await startMember(1, { logger: log.logger });
    const b = await startMember(2);
    members.push(a, b);
    a.transport.setPeer(2, [b.address]);
    b.transport.setPeer(1, [a.address]);
    a.transport.send([numbered(1, 2, 0)]);
    await b.handler.until(() => b.handler.received.length === 1);

    b.transport.removePeer(1);
    a.transport.send([numbered(1, 2, 1)]);
    await a.handler.until(() => a.handler.unreachable.includes(2));
    await log.until((r) => r.msg === 'peer refused the stream' && r.code === 'PEER_UNKNOWN_MEMBER');
    expect(b.handler.received.map(sequenceOf)).toEqual([0]);
    expect(b.transport.peerIds()).toEqual([]);
  });
});
