// The round trip to each peer, measured by the transport's prober: samples come for every peer
// that answers, none for one that is down or has been removed.
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../raft/types.js';
import { PeerTransport } from '../../rpc/peer-transport.js';
import { RecordingHandler, unusedPort } from './peer-test-helpers.js';

interface Probing {
  readonly id: NodeId;
  readonly transport: PeerTransport;
  readonly address: string;
  readonly samples: { peer: NodeId; seconds: number }[];
}

let started: Probing[] = [];
afterEach(async () => {
  await Promise.all(started.map((p) => p.transport.close()));
  started = [];
});

async function start(id: NodeId): Promise<Probing> {
  const samples: { peer: NodeId; seconds: number }[] = [];
  const transport = new PeerTransport({
    selfId: id,
    clusterId: 'probe-test',
    listen: '127.0.0.1:0',
    handler: new RecordingHandler(),
    membership: () => ({ clusterId: 'probe-test', members: [] }),
    onRoundTrip: (peer, seconds) => samples.push({ peer, seconds }),
    probeIntervalMs: 50,
  });
  await transport.start();
  const p = { id, transport, address: `127.0.0.1:${transport.port}`, samples };
  started.push(p);
  return p;
}

async function until(what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the peer prober', () => {
  it('samples the round trip to every peer that answers, in seconds', async () => {
    const [a, b, c] = [await start(1), await start(2), await start(3)];
    a.transport.setPeer(b.id, [b.address]);
    a.transport.setPeer(c.id, [`http://${c.address}`]);
    await until('samples for both peers', () => [2, 3].every((id) => a.samples.filter((s) => s.peer === id).length >= 3));
    for (const s of a.samples) {
      expect(s.seconds).toBeGreaterThan(0);
      // On loopback, and without the connection's set-up (it is not timed).
      expect(s.seconds).toBeLessThan(0.5);
    }
    expect(b.samples).toEqual([]);
  });

  it('takes no sample of a peer that is down, and stops sampling a removed one', async () => {
    const [a, b] = [await start(1), await start(2)];
    a.transport.setPeer(b.id, [b.address]);
    a.transport.setPeer(9, [`127.0.0.1:${await unusedPort()}`]);
    await until('samples of the live peer', () => a.samples.length >= 2);
    a.transport.removePeer(b.id);
    // A probe in flight when the peer went is dropped, not reported.
    const before = a.samples.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(a.samples.length).toBe(before);
    expect(a.samples.every((s) => s.peer === b.id)).toBe(true);
  });
});
