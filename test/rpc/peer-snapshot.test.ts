// Snapshots between transports: a multi-megabyte payload arrives intact while messages keep
// flowing; the outcome is reported exactly once, success or failure; the payload passes through
// a few chunks of memory, not all of it.

import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotMessage } from '../../raft/messages.js';
import { SnapshotIncompleteError } from '../../rpc/peer-errors.js';
import {
  closeAll,
  generatedPayload,
  numbered,
  range,
  sequenceOf,
  sha256Of,
  startCluster,
  unusedPort,
  startMember,
  type Member,
} from './peer-test-helpers.js';

let members: Member[] = [];
afterEach(async () => {
  await closeAll(members);
  members = [];
});

function snapshotMessage(from: number, to: number, index = 1000): SnapshotMessage {
  return {
    type: 'snapshot',
    from,
    to,
    term: 3,
    snapshot: { meta: { index, term: 3, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array([1, 2, 3]) },
  };
}

const MiB = 1024 * 1024;

describe('a snapshot', () => {
  it('with a multi-megabyte payload arrives intact, and success is reported once', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    const size = 12 * MiB + 12345;
    // Odd piece sizes, so the sender's chunking does not line up with the source's.
    a.handler.payloadFor = () => generatedPayload(size, 100_003);
    const message = snapshotMessage(1, 2);
    a.transport.send([message]);
    // Messages keep flowing on their own stream meanwhile.
    a.transport.send(range(0, 500).map((s) => numbered(1, 2, s)));

    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: true }]);
    expect(b.handler.staged).toHaveLength(1);
    const staged = b.handler.staged[0]!;
    expect(staged.message).toStrictEqual(message);
    expect(staged.bytes).toBe(size);
    expect(staged.sha256).toBe(await sha256Of(generatedPayload(size, 100_003)));
    await b.handler.until(() => b.handler.received.length === 500);
    expect(b.handler.received.map(sequenceOf)).toEqual(range(0, 500));
  });

  it('with an empty payload is staged too', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: true }]);
    expect(b.handler.staged.map((s) => s.bytes)).toEqual([0]);
  });

  it('is read from its source only as fast as the receiver takes it', async () => {
    members = await startCluster(2, { limits: { snapshotChunkBytes: 64 * 1024 } });
    const [a, b] = members as [Member, Member];
    const pieceBytes = 64 * 1024;
    let produced = 0;
    let consumed = 0;
    let mostAhead = 0;
    a.handler.payloadFor = () => generatedPayload(32 * MiB, pieceBytes, () => produced++);
    b.handler.stage = async (message, payload) => {
      let bytes = 0;
      for await (const chunk of payload) {
        // A slow disk: the first chunk takes a while, giving the sender every chance to run ahead.
        if (consumed === 0) await new Promise((resolve) => setTimeout(resolve, 200));
        consumed++;
        bytes += chunk.length;
        mostAhead = Math.max(mostAhead, produced - consumed);
      }
      return { message, bytes, sha256: '' };
    };
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: true }]);
    expect(b.handler.staged[0]?.bytes).toBe(32 * MiB);
    // Buffers along the way (sender window, HTTP/2 flow control, the receiver's read-ahead) hold a
    // few megabytes at most: far less than the 32 MiB payload.
    expect(mostAhead * pieceBytes).toBeLessThan(8 * MiB);
  });
});

describe('a snapshot that fails is reported once, as a failure', () => {
  it('when the receiver cannot stage it', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.handler.payloadFor = () => generatedPayload(MiB, 10_000);
    b.handler.stage = async () => {
      throw new Error('disk full');
    };
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
  });

  it('when the receiver does not read the payload to its end', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.handler.payloadFor = () => generatedPayload(MiB, 10_000);
    b.handler.stage = async (message) => ({ message, bytes: 0, sha256: '' });
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
  });

  it('when the sender’s payload source fails half-way; the receiver sees an incomplete payload', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    a.handler.payloadFor = async function* () {
      yield* generatedPayload(2 * MiB, 50_000);
      throw new Error('snapshot file vanished');
    };
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
    await b.handler.until(() => b.handler.stagingErrors.length === 1);
    expect(b.handler.stagingErrors[0]).toBeInstanceOf(SnapshotIncompleteError);
    expect(b.handler.staged).toEqual([]);
  });

  it('when the peer is unknown, without calling the handler from inside send()', async () => {
    members = await startCluster(1);
    const [a] = members as [Member];
    a.transport.send([snapshotMessage(1, 5)]);
    expect(a.handler.snapshotStatuses).toEqual([]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 5, ok: false }]);
  });

  it('when the peer is down', async () => {
    const a = await startMember(1);
    members.push(a);
    a.transport.setPeer(2, [`127.0.0.1:${await unusedPort()}`]);
    a.transport.send([snapshotMessage(1, 2)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
  });

  it('when the transport closes mid-way, on both sides', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    let started!: () => void;
    const halfway = new Promise<void>((resolve) => (started = resolve));
    a.handler.payloadFor = () => generatedPayload(64 * MiB, 64 * 1024, (i) => i === 20 && started());
    a.transport.send([snapshotMessage(1, 2)]);
    await halfway;
    await a.transport.close();
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
    await b.handler.until(() => b.handler.stagingErrors.length === 1);
    expect(b.handler.staged).toEqual([]);
  });

  it('when the payload source hangs: close() still finishes', async () => {
    members = await startCluster(2);
    const [a] = members as [Member, Member];
    let reading!: () => void;
    const stuck = new Promise<void>((resolve) => (reading = resolve));
    a.handler.payloadFor = async function* () {
      yield new Uint8Array(1000);
      reading();
      await new Promise(() => {}); // a read that never completes
    };
    a.transport.send([snapshotMessage(1, 2)]);
    await stuck;
    await a.transport.close();
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
  });

  it('when the receiving transport closes mid-way', async () => {
    members = await startCluster(2);
    const [a, b] = members as [Member, Member];
    let started!: () => void;
    const halfway = new Promise<void>((resolve) => (started = resolve));
    a.handler.payloadFor = () => generatedPayload(64 * MiB, 64 * 1024, (i) => i === 20 && started());
    a.transport.send([snapshotMessage(1, 2)]);
    await halfway;
    await b.transport.close();
    await a.handler.until(() => a.handler.snapshotStatuses.length === 1);
    expect(a.handler.snapshotStatuses).toEqual([{ id: 2, ok: false }]);
    expect(b.handler.staged).toEqual([]);
  });

  it('each of several snapshots in flight gets exactly one report', async () => {
    members = await startCluster(3);
    const [a, b] = members as [Member, Member, Member];
    a.handler.payloadFor = (m) => generatedPayload(MiB + m.snapshot.meta.index, 30_000);
    b.handler.stage = async (message, payload) => {
      if (message.snapshot.meta.index === 2) throw new Error('refused');
      let bytes = 0;
      for await (const chunk of payload) bytes += chunk.length;
      return { message, bytes, sha256: '' };
    };
    a.transport.send([snapshotMessage(1, 2, 1), snapshotMessage(1, 2, 2), snapshotMessage(1, 3, 3), snapshotMessage(1, 9, 4)]);
    await a.handler.until(() => a.handler.snapshotStatuses.length === 4);
    const byPeer = (id: number): boolean[] => a.handler.snapshotStatuses.filter((s) => s.id === id).map((s) => s.ok);
    expect(byPeer(2).sort()).toEqual([false, true]);
    expect(byPeer(3)).toEqual([true]);
    expect(byPeer(9)).toEqual([false]);
  });
});
