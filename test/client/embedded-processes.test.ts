// Three embedded members across three processes (each a Node program that calls openNode with
// peers): a remote client reaches the cluster through any of them, one can be killed with SIGKILL
// and restarted on its data dir, and it catches up.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client, type NodeOptions } from '../../index.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';
import { ServerProcess } from '../support/server-process.js';
import { REPO_ROOT } from '../support/cluster.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/embedded-member.ts', import.meta.url));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('three embedded members in three processes', () => {
  let root: string;
  let procs: ServerProcess[] = [];
  let endpoints: string[] = [];
  let client: Client | undefined;

  /** Starts the process and resolves once it prints "ready". */
  const startReady = async (p: ServerProcess): Promise<void> => {
    const ready = p.waitForLine(/^ready$/, { timeoutMs: 30_000 });
    p.start();
    await ready;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lodestone-embedded-procs-'));
    const ports = await freePorts(6);
    const peer = (i: number): string => `http://${LOOPBACK}:${ports[2 * i]!}`;
    endpoints = [0, 1, 2].map((i) => `http://${LOOPBACK}:${ports[2 * i + 1]!}`);
    const members = Object.fromEntries([0, 1, 2].map((i) => [`p${i}`, peer(i)]));
    procs = [0, 1, 2].map((i) => {
      const options: NodeOptions = {
        name: `p${i}`,
        cluster: { peerUrl: peer(i), members, token: `procs-${process.pid}` },
        serve: { clientUrls: [endpoints[i]!] },
        tuning: { heartbeatInterval: 50, electionTimeout: 500 },
      };
      const settings = JSON.stringify({ dataDir: join(root, `p${i}`), options });
      return new ServerProcess({ name: `p${i}`, command: process.execPath, args: ['--import', 'tsx', FIXTURE, settings], cwd: REPO_ROOT });
    });
    await Promise.all(procs.map(startReady));
    client = await connect({ endpoints });
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all(procs.map((p) => p.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('takes writes and reads through a remote client', async () => {
    const { revision } = await client!.put('procs/k', 'v');
    expect((await client!.get('procs/k'))?.modRevision).toBe(revision);
  });

  it('goes on without a member killed with SIGKILL, which catches up when restarted', async () => {
    const victimIndex = endpoints.indexOf(`http://${client!.endpoint!}`);
    expect(victimIndex).toBeGreaterThanOrEqual(0);
    const victim = procs[victimIndex]!;
    await victim.kill('SIGKILL');
    // The client moves to another member by itself.
    for (let i = 0; i < 20; i++) await client!.put(`procs/after/${i}`, String(i), { idempotent: true });
    expect(client!.endpoint).not.toBe(endpoints[victimIndex]!.slice('http://'.length));
    await startReady(victim);
    // Read from the restarted member alone: it has every write made while it was down.
    const alone = await connect({ endpoints: [endpoints[victimIndex]!] });
    try {
      await waitFor('the restarted member to catch up', async () => (await alone.range({ prefix: 'procs/after/', serializable: true })).count === 20);
      expect((await alone.range({ prefix: 'procs/after/' })).count).toBe(20);
    } finally {
      await alone.close();
    }
  }, 120_000);
});
