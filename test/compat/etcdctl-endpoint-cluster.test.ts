// `etcdctl endpoint status --cluster` and `endpoint health --cluster` against a 3-member Lodestone
// and a 3-member etcd 3.4 side by side. With --cluster, etcd 3.4's etcdctl asks the member list for
// every client URL and dials each through grpc's passthrough resolver, so its requests carry
// `:authority: http://127.0.0.1:port`, which Node's HTTP/2 server refuses unless rewritten
// (rpc/h2-authority-filter.ts). Outputs are compared with addresses, ids and the numbers that
// depend on each system's history (revisions, indexes, sizes, versions, timings) masked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';
import { Masker } from '../support/masker.js';
import { etcdctl, type CtlResult } from './etcdctl-runner.js';

const binaries = checkBinaries(['etcd', 'etcdctl'], 'the etcdctl endpoint --cluster comparison');

/** Addresses as `<mN-url>` / `<mN>`, N the member's index (its order in the test cluster). */
function addressMasker(cluster: TestCluster): Masker {
  const masker = new Masker();
  for (const m of cluster.members) {
    masker.add(m.clientUrl, `<m${m.index}-url>`);
    masker.add(m.endpoint, `<m${m.index}>`);
  }
  return masker;
}

/**
 * `endpoint status -w json`, masked: member ids by the endpoint that reported them (the ids are
 * 64-bit, read from the text, not as JSON numbers), the leader as <leader> once every member named
 * the same one among them (which member won the election differs from run to run), other numbers
 * as <n>, the version as <version>; the entries in endpoint order.
 */
function maskStatusJson(text: string, masker: Masker): unknown {
  const masked = masker.mask(text);
  const ids = new Masker();
  for (const entry of masked.matchAll(/"Endpoint":"<(m\d+)-url>".*?"member_id":(\d+)/g)) ids.add(`:${entry[2]!}`, `:"<id-of-${entry[1]!}>"`);
  const out = ids
    .mask(masked)
    .replace(/"version":"[^"]*"/g, '"version":"<version>"')
    .replace(/:\d+/g, ':"<n>"');
  const entries = JSON.parse(out) as Array<{ Endpoint: string; Status: { leader: string } }>;
  const leaders = new Set(entries.map((e) => e.Status.leader));
  expect(leaders.size).toBe(1);
  expect([...leaders][0]).toMatch(/^<id-of-m\d>$/);
  for (const e of entries) e.Status.leader = '<leader>';
  return entries.sort((a, b) => a.Endpoint.localeCompare(b.Endpoint));
}

/** `endpoint health` lines, masked, sorted (etcdctl asks the members at once and prints as they answer). */
function maskHealth(text: string, masker: Masker): string[] {
  return masker
    .mask(text)
    .replace(/took = [0-9.]+[µnm]?s/g, 'took = <t>')
    .split('\n')
    .filter((l) => l.length > 0)
    .sort();
}

describe.runIf(binaries.run)('etcdctl endpoint status/health --cluster, beside etcd', () => {
  const clusters = new Map<Implementation, TestCluster>();

  beforeAll(async () => {
    binaries.assertPresent();
    const started = await Promise.all((['lodestone', 'etcd'] as const).map(async (implementation) => [implementation, await TestCluster.start({ implementation, size: 3 })] as const));
    for (const [implementation, cluster] of started) clusters.set(implementation, cluster);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...clusters.values()].map((c) => c.destroy()));
  });

  async function onBoth(args: readonly string[]): Promise<Map<Implementation, { result: CtlResult; masker: Masker }>> {
    const out = new Map<Implementation, { result: CtlResult; masker: Masker }>();
    for (const [implementation, cluster] of clusters) {
      out.set(implementation, { result: await etcdctl([cluster.members[0]!.endpoint], args), masker: addressMasker(cluster) });
    }
    return out;
  }

  it('endpoint status --cluster -w json reports every member, as etcd does', async () => {
    const both = await onBoth(['endpoint', 'status', '--cluster', '-w', 'json']);
    const masked = new Map<Implementation, unknown>();
    for (const [implementation, { result, masker }] of both) {
      expect({ implementation, code: result.code, stderr: result.stderr }).toEqual({ implementation, code: 0, stderr: '' });
      masked.set(implementation, maskStatusJson(result.stdout, masker));
    }
    const lodestone = masked.get('lodestone') as Array<{ Endpoint: string }>;
    expect(lodestone.map((e) => e.Endpoint)).toEqual(['<m0-url>', '<m1-url>', '<m2-url>']);
    expect(lodestone).toEqual(masked.get('etcd'));
  });

  it('endpoint status --cluster (table) names the same members and one leader', async () => {
    const both = await onBoth(['endpoint', 'status', '--cluster']);
    for (const [implementation, { result, masker }] of both) {
      expect({ implementation, code: result.code, stderr: result.stderr }).toEqual({ implementation, code: 0, stderr: '' });
      const lines = masker.mask(result.stdout).split('\n').filter((l) => l.length > 0).sort();
      expect(lines.map((l) => l.split(',')[0])).toEqual(['<m0-url>', '<m1-url>', '<m2-url>']);
      expect(lines.filter((l) => / true, false, /.test(l)).length).toBe(1);
    }
  });

  it('endpoint health --cluster reports every member healthy, as etcd does', async () => {
    const both = await onBoth(['endpoint', 'health', '--cluster']);
    const masked = new Map<Implementation, string[]>();
    for (const [implementation, { result, masker }] of both) {
      expect({ implementation, code: result.code }).toEqual({ implementation, code: 0 });
      // etcdctl prints the health lines on stderr.
      masked.set(implementation, maskHealth(result.stdout + result.stderr, masker));
    }
    expect(masked.get('lodestone')).toEqual(['<m0-url> is healthy: successfully committed proposal: took = <t>', '<m1-url> is healthy: successfully committed proposal: took = <t>', '<m2-url> is healthy: successfully committed proposal: took = <t>']);
    expect(masked.get('lodestone')).toEqual(masked.get('etcd'));
  });

  it('endpoint hashkv --cluster answers from every member', async () => {
    const both = await onBoth(['endpoint', 'hashkv', '--cluster']);
    for (const [implementation, { result, masker }] of both) {
      expect({ implementation, code: result.code, stderr: result.stderr }).toEqual({ implementation, code: 0, stderr: '' });
      const lines = masker.mask(result.stdout).replace(/, \d+$/gm, ', <hash>').split('\n').filter((l) => l.length > 0).sort();
      expect(lines).toEqual(['<m0-url>, <hash>', '<m1-url>, <hash>', '<m2-url>, <hash>']);
    }
  });
});
