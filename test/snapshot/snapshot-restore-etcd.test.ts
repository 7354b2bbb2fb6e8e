// Snapshots both ways beside a real etcd 3.4: the same content written to a three-member Lodestone
// and a one-member etcd; Lodestone's snapshot saved with the real etcdctl, read by etcdctl's status,
// restored with etcdctl and served by a real etcd; etcd's snapshot restored with `lodestone snapshot
// restore` into three member dirs and served by three Lodestone members. Both restored clusters must
// answer exactly what their source answers: keys with their revisions and versions, the revision,
// the compaction, the lease with its keys, users and roles.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotCommand } from '../../cli/snapshot-command.js';
import { formatStatus, snapshotStatus } from '../../cli/snapshot-status.js';
import { errorLine, etcdctl } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type PreparedMember } from '../support/cluster.js';
import { expectSameContent, readBack, writeContent, type ReadBack } from './snapshot-content.js';

const binaries = checkBinaries(['etcd', 'etcdctl'], 'restoring snapshots beside a real etcd');

async function lodestone(args: readonly string[]): Promise<void> {
  await new Command('lodestone').exitOverride().addCommand(snapshotCommand()).parseAsync(['node', 'lodestone', ...args]);
}

describe.skipIf(!binaries.run)('snapshots between Lodestone and a real etcd 3.4', () => {
  let dir = '';
  const clusters: TestCluster[] = [];
  let lodestoneSource: TestCluster;
  let etcdSource: TestCluster;

  beforeAll(async () => {
    binaries.assertPresent();
    dir = await mkdtemp(join(tmpdir(), 'snapshot-test-'));
    [lodestoneSource, etcdSource] = await Promise.all([
      TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' }),
      TestCluster.start({ implementation: 'etcd', size: 1 }),
    ]);
    clusters.push(lodestoneSource, etcdSource);
    // A follower takes the writes on Lodestone: they go through forwarding, as a client's would.
    const ready = await lodestoneSource.waitReady();
    const follower = lodestoneSource.members.find((m) => m.index !== ready.leaderIndex)!;
    await Promise.all([writeContent(follower.endpoint), writeContent(etcdSource.members[0]!.endpoint)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('both sources answer alike before any snapshot (lease IDs aside)', async () => {
    const [l, e] = await Promise.all([readBack(lodestoneSource.members[1]!.endpoint), readBack(etcdSource.members[0]!.endpoint)]);
    expectSameContent(l, e);
  });

  it("Lodestone → etcdctl snapshot save → status → etcdctl snapshot restore → a real etcd answers as Lodestone did", async () => {
    const file = join(dir, 'from-lodestone.db');
    const saved = await etcdctl([lodestoneSource.members[2]!.endpoint], ['snapshot', 'save', file]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout.trim()).toBe(`Snapshot saved at ${file}`);
    const source = await readBack(lodestoneSource.members[0]!.endpoint);
    const status = await etcdctl([], ['snapshot', 'status', file, '-w', 'json']);
    expect(status.code, status.stderr).toBe(0);
    const figures = JSON.parse(status.stdout) as { hash: number; revision: number; totalKey: number; totalSize: number };
    expect(figures.revision).toBe(source.revision);
    // Ours reads the same file to the same figures, in each of etcdctl's formats.
    const bytes = new Uint8Array(await readFile(file));
    const ours = snapshotStatus(bytes);
    expect(ours).toEqual(figures);
    for (const format of ['simple', 'table'] as const) {
      const theirs = await etcdctl([], ['snapshot', 'status', file, '-w', format]);
      expect(formatStatus(ours, format)).toBe(theirs.stdout.trimEnd());
    }

    const restore = async (m: PreparedMember): Promise<void> => {
      const r = await etcdctl([], [
        'snapshot', 'restore', file, '--data-dir', m.dataDir, '--name', m.name,
        '--initial-cluster', m.initialCluster, '--initial-advertise-peer-urls', m.peerUrl, '--initial-cluster-token', m.token,
      ]);
      if (r.code !== 0) throw new Error(`etcdctl snapshot restore: ${r.stderr}`);
    };
    const restored = await TestCluster.start({ implementation: 'etcd', size: 1, prepareDataDir: restore });
    clusters.push(restored);
    expectSameContent(await readBack(restored.members[0]!.endpoint), source);
    // Lodestone's passwords are bcrypt hashes, as etcd's: root turns auth on in etcd, alice reads with hers.
    const endpoint = restored.members[0]!.endpoint;
    expect((await etcdctl([endpoint], ['--user', 'root:rootpw', 'auth', 'enable'])).code).toBe(0);
    const read = await etcdctl([endpoint], ['--user', 'alice:alicepw', 'get', 'a', '--print-value-only']);
    expect(read.stdout.trim(), read.stderr).toBe('3');
    const wrong = await etcdctl([endpoint], ['--user', 'alice:nope', 'get', 'a']);
    expect(errorLine(wrong)).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
    await restored.destroy();
  }, 60_000);

  it('etcd → etcdctl snapshot save → lodestone snapshot restore (each of 3 members) → Lodestone answers as etcd did', async () => {
    const file = join(dir, 'from-etcd.db');
    const saved = await etcdctl([etcdSource.members[0]!.endpoint], ['snapshot', 'save', file]);
    expect(saved.code, saved.stderr).toBe(0);
    const source: ReadBack = await readBack(etcdSource.members[0]!.endpoint);
    const restore = (m: PreparedMember): Promise<void> =>
      lodestone([
        'snapshot', 'restore', file, '--data-dir', m.dataDir, '--name', m.name,
        '--initial-cluster', m.initialCluster, '--initial-advertise-peer-urls', m.peerUrl, '--initial-cluster-token', m.token,
      ]);
    const restored = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', prepareDataDir: restore });
    clusters.push(restored);
    const ready = await restored.waitReady();
    expect(restored.members.map((m) => ready.probes.get(m.index)?.leaderId)).toEqual([ready.leaderId, ready.leaderId, ready.leaderId]);
    for (const m of restored.members) expectSameContent(await readBack(m.endpoint), source);
    // etcd's bcrypt passwords still work: root turns auth on, alice reads with her password.
    const endpoint = restored.members[2]!.endpoint;
    expect((await etcdctl([endpoint], ['--user', 'root:rootpw', 'auth', 'enable'])).code).toBe(0);
    const read = await etcdctl([endpoint], ['--user', 'alice:alicepw', 'get', 'a', '--print-value-only']);
    expect(read.stdout.trim(), read.stderr).toBe('3');
    const wrong = await etcdctl([endpoint], ['--user', 'alice:nope', 'get', 'a']);
    expect(errorLine(wrong)).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
    expect((await etcdctl([endpoint], ['--user', 'root:rootpw', 'auth', 'disable'])).code).toBe(0);
    // The new cluster takes writes on top of the restored history.
    const put = await etcdctl([restored.members[1]!.endpoint], ['put', 'after', 'restore', '-w', 'json']);
    expect((JSON.parse(put.stdout) as { header: { revision: number } }).header.revision).toBe(source.revision + 1);
    await restored.destroy();
  }, 60_000);

  it('lodestone snapshot save works against etcd and Lodestone alike, and asks for one endpoint as etcdctl does', async () => {
    for (const [label, cluster] of [['etcd', etcdSource], ['lodestone', lodestoneSource]] as const) {
      const file = join(dir, `saved-by-us-from-${label}.db`);
      await lodestone(['snapshot', 'save', file, '--endpoints', cluster.members[0]!.endpoint]);
      const check = await etcdctl([], ['snapshot', 'status', file, '-w', 'json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout)).toEqual(snapshotStatus(new Uint8Array(await readFile(file))));
    }
    await expect(lodestone(['snapshot', 'save', join(dir, 'x.db'), '--endpoints', `${etcdSource.members[0]!.endpoint},${lodestoneSource.members[0]!.endpoint}`])).rejects.toThrow(
      /snapshot must be requested to one selected node, not multiple/,
    );
  }, 60_000);
});
