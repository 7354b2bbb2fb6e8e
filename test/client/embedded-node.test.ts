// The embedded node: the client suite against a node in this process (no gRPC), and against a remote
// client of the same kind of node serving etcd's API; a node on a data dir keeps its data when reopened.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, isClientError, openNode, type LodestoneNode } from '../../index.js';
import { kvClientSuite } from './kv-client-suite.js';

/** Short election timeouts: the cluster's minimum lease TTL becomes 1 s. */
const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };

const compactor = (node: LodestoneNode) => async (revision: number) => {
  await node.member.write({ type: 'compaction', request: { revision } });
};

kvClientSuite('embedded, in memory', async () => {
  const node = await openNode({ inMemory: true }, { tuning: TUNING });
  return { client: node, compact: compactor(node), close: () => node.close() };
});

kvClientSuite('remote, to a served embedded node', async () => {
  const node = await openNode({ inMemory: true }, { tuning: TUNING, serve: { clientUrls: ['http://127.0.0.1:0'] } });
  const client = await connect({ endpoints: node.clientUrls });
  return {
    client,
    compact: compactor(node),
    close: async () => {
      await client.close();
      await node.close();
    },
  };
});

describe('an embedded node on a data dir', () => {
  it('keeps its data across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lodestone-node-'));
    try {
      const first = await openNode({ dataDir: dir });
      expect(first.isLeader).toBe(true);
      const { revision } = await first.put('kept', 'across restarts');
      await first.close();
      const again = await openNode({ dataDir: dir });
      try {
        const kv = await again.get('kept');
        expect(kv?.valueString).toBe('across restarts');
        expect(kv?.modRevision).toBe(revision);
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses calls once closed, with LODESTONE_CLIENT_CLOSED', async () => {
    const node = await openNode({ inMemory: true });
    const w = await node.watch('k');
    await node.close();
    expect(isClientError(await node.get('k').catch((e: unknown) => e), 'LODESTONE_CLIENT_CLOSED')).toBe(true);
    // An open watch ends with the node.
    const it = w[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(true);
  });

  it('rejects options it cannot honour', async () => {
    await expect(openNode({ inMemory: true }, { cluster: { peerUrl: 'http://127.0.0.1:1', members: {} } })).rejects.toMatchObject({ code: 'LODESTONE_INVALID_ARGUMENT' });
  });
});
