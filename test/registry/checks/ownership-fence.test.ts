// What keeps two members from both writing a check's state while they disagree on who owns it: a
// runner's write holds only while its own runner key is still on its lease and no runner key was
// put since the live set it decided ownership from. Exercised on one member with runner keys put
// the way other members would; its own check runner is stopped so that the writes are the test's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../../index.js';
import { runnerKey } from '../../../registry/checks/check-keys.js';
import { ChecksKeysView } from '../../../registry/checks/checks-keys-view.js';
import { ownerOf } from '../../../registry/checks/ownership.js';
import { validateInstance } from '../../../registry/records.js';
import { eventually } from '../../support/eventually.js';

const encoder = new TextEncoder();

describe('the ownership fence on check writes', () => {
  let node: LodestoneNode;
  let keys: ChecksKeysView;

  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.ready();
    await node.member.checks.close();
    keys = new ChecksKeysView(node.member, node.member, { runnersChanged: () => undefined, ttlExpired: () => undefined });
    keys.start();
  });
  afterAll(async () => {
    keys?.close();
    await node?.close();
  });

  it('refuses a write decided on a live set that a member joined since, or by a member whose key expired', async () => {
    const { writer } = node.member.registry;
    await writer.register('fenced', 'f-1', validateInstance({ address: '10.0.0.1', port: 1, checks: [{ id: 'f-1-ttl', kind: 'ttl', ttlMs: 5000 }] }));
    const ref = { createRevision: (await node.get('/lodestone/services/fenced/f-1'))!.createRevision, lease: 0n };
    const write = (status: 'passing' | 'critical', guards: ReturnType<ChecksKeysView['fence']>) => writer.setHealth('fenced', 'f-1', 'f-1-ttl', status, '', ref, undefined, guards);

    const [a, b] = [0x1a, 0x2b];
    const leaseA = await node.grant(60);
    await node.put(runnerKey(a), '{}', { lease: leaseA.id });
    await eventually('A in the live set', async () => (keys.runner(a) ? true : undefined), 5000, 10);
    const ownKey = encoder.encode(runnerKey(a));
    expect(ownerOf('f-1-ttl', keys.liveMembers())).toBe(a);
    expect(await write('passing', keys.fence(ownKey, leaseA.id))).toBe('written');

    // B joins; A decided on the set before B's key, so its write is refused until it has seen B.
    const stale = keys.fence(ownKey, leaseA.id);
    const leaseB = await node.grant(60);
    await node.put(runnerKey(b), '{}', { lease: leaseB.id });
    expect(await write('critical', stale)).toBe('no-instance');
    await eventually('B in the live set', async () => (keys.runner(b) ? true : undefined), 5000, 10);
    expect(await write('critical', keys.fence(ownKey, leaseA.id))).toBe('written');

    // B leaves: a deletion moves none of A's checks, so A's older view still writes.
    const beforeLeave = keys.fence(ownKey, leaseA.id);
    await leaseB.revoke();
    expect(await write('passing', beforeLeave)).toBe('written');

    // A's own key went with its lease (A was cut off, or silent): A's writes are refused.
    await leaseA.revoke();
    expect(await write('critical', keys.fence(ownKey, leaseA.id))).toBe('no-instance');
    expect(JSON.parse((await node.get('/lodestone/health/fenced/f-1/f-1-ttl'))!.valueString)).toMatchObject({ status: 'passing' });
  });
});
