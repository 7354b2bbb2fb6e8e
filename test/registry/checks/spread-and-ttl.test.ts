// Three members in one process: the checks are spread over them, each owned by exactly one; a TTL
// check stays passing while reports reach members other than its owner (no write per report), turns
// critical "TTL expired" when they stop, and a member that leaves hands its checks to the others.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../../index.js';
import { healthKey } from '../../../registry/layout.js';
import { validateInstance } from '../../../registry/records.js';
import { eventually } from '../../support/eventually.js';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };
const CHECKS = Array.from({ length: 30 }, (_, i) => `spread-${i}`);

describe('checks spread over three members', () => {
  let root: string;
  let nodes: LodestoneNode[] = [];
  let listener: Server;
  let listening: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lodestone-checks-spread-'));
    const ports = await freePorts(6);
    const peer = (i: number): string => `http://${LOOPBACK}:${ports[2 * i]!}`;
    const members = Object.fromEntries([0, 1, 2].map((i) => [`m${i}`, peer(i)]));
    nodes = await Promise.all(
      [0, 1, 2].map((i) =>
        openNode(
          { dataDir: join(root, `m${i}`) },
          { name: `m${i}`, cluster: { peerUrl: peer(i), members, token: `checks-${process.pid}` }, serve: { clientUrls: [`http://${LOOPBACK}:${ports[2 * i + 1]!}`] }, tuning: TUNING },
        ),
      ),
    );
    await Promise.all(nodes.map((n) => n.ready()));
    listener = createServer((socket) => socket.destroy());
    listening = await new Promise<number>((resolve) => listener.listen(0, LOOPBACK, () => resolve((listener.address() as { port: number }).port)));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    listener?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const owners = (checkId: string, among = nodes): LodestoneNode[] => among.filter((n) => n.member.checks.ownedChecks().includes(checkId));

  it('gives each check to exactly one member, and every member some', async () => {
    for (const id of CHECKS) {
      await nodes[0]!.member.registry.writer.register('spread', id, validateInstance({ address: LOOPBACK, port: listening, checks: [{ id, kind: 'tcp', tcp: `${LOOPBACK}:${listening}`, intervalMs: 300, timeoutMs: 1000 }] }));
    }
    await eventually('every member to see three runners', async () => (nodes.every((n) => n.member.checks.liveMembers().length === 3) ? true : undefined), 20_000);
    await eventually('every check owned once', async () => (CHECKS.every((id) => owners(id).length === 1) ? true : undefined), 20_000);
    expect(new Set(nodes.map((n) => n.member.checks.liveMembers().join())).size).toBe(1);
    // Member ids differ from run to run (ports), so the spread does too: with 30 checks the chance
    // that a member gets none is 3 × (2/3)^30 ≈ 1.5e-5.
    for (const n of nodes) expect(n.member.checks.ownedChecks().length).toBeGreaterThan(0);
    // And each owner runs its checks: all of them pass.
    await eventually('every check passing', async () => (CHECKS.every((id) => nodes[0]!.member.registry.view.get('spread', id)?.status === 'passing') ? true : undefined), 20_000);
  });

  it('keeps a TTL check passing on reports to members other than its owner, without writes, and turns it critical when they stop', async () => {
    const checkId = 'api-1-ttl';
    await nodes[0]!.member.registry.writer.register('api', 'api-1', validateInstance({ address: LOOPBACK, port: 80, checks: [{ id: checkId, kind: 'ttl', ttlMs: 2000 }] }));
    const owner = await eventually('an owner for the TTL check', async () => (owners(checkId).length === 1 ? owners(checkId)[0] : undefined), 20_000);
    const others = nodes.filter((n) => n !== owner);
    expect(await others[0]!.member.registry.report(checkId, 'passing', 'all good')).toBe('written');
    const written = (await owner.get(healthKey('api', 'api-1', checkId)))!;
    expect(JSON.parse(written.valueString)).toMatchObject({ status: 'passing', output: 'all good' });

    // Three TTLs of reports, every 500 ms, alternating between the two members that do not own it.
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await others[i % 2]!.member.registry.report(checkId, 'passing', 'all good')).toBe('unchanged');
    }
    const still = (await owner.get(healthKey('api', 'api-1', checkId)))!;
    expect(still.modRevision).toBe(written.modRevision);
    expect(JSON.parse(still.valueString)).toMatchObject({ status: 'passing' });

    const lastReport = performance.now();
    await eventually('the TTL to run out', async () => (owner.member.registry.view.get('api', 'api-1')?.status === 'critical' ? true : undefined), 15_000, 20);
    const expiredAfter = performance.now() - lastReport;
    console.log(`TTL 2000 ms: critical ${expiredAfter.toFixed(0)} ms after the last report`);
    expect(expiredAfter).toBeGreaterThanOrEqual(1900);
    expect(expiredAfter).toBeLessThan(2000 + 3000);
    expect(owner.member.registry.view.get('api', 'api-1')!.checks[0]!.health).toMatchObject({ status: 'critical', output: 'TTL expired' });

    // A report brings it back, and starts its clock again.
    expect(await others[1]!.member.registry.report(checkId, 'passing', 'back')).toBe('written');
    await eventually('passing again', async () => (owner.member.registry.view.get('api', 'api-1')?.status === 'passing' ? true : undefined), 5000, 20);
    await eventually('expired again', async () => (owner.member.registry.view.get('api', 'api-1')?.status === 'critical' ? true : undefined), 10_000, 50);
  });

  it('hands the checks of a member that leaves to the others', async () => {
    const leaving = nodes[2]!;
    const had = leaving.member.checks.ownedChecks().filter((id) => CHECKS.includes(id));
    expect(had.length).toBeGreaterThan(0);
    const started = performance.now();
    await leaving.close();
    const staying = nodes.slice(0, 2);
    await eventually('the checks re-spread over two members', async () => (CHECKS.every((id) => owners(id, staying).length === 1) ? true : undefined), 20_000, 20);
    console.log(`a member that closed: its ${had.length} checks had new owners after ${(performance.now() - started).toFixed(0)} ms`);
    for (const n of staying) expect(n.member.checks.liveMembers()).toHaveLength(2);
  });
});
