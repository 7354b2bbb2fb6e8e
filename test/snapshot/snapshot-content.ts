// The content the snapshot tests give etcd and Lodestone alike through etcdctl — several revisions
// of a key, deleted keys, a compaction, a lease with keys attached, users and roles — and what they
// read back to compare a restored cluster with its source.
import { expect } from 'vitest';
import { etcdctl } from '../compat/etcdctl-runner.js';

async function ctl(endpoint: string, args: readonly string[]): Promise<string> {
  const r = await etcdctl([endpoint], args);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Writes the content; resolves with the lease's ID (hex, as etcdctl prints it). */
export async function writeContent(endpoint: string): Promise<string> {
  for (const args of [
    ['put', 'a', '1'],
    ['put', 'a', '2'],
    ['put', 'b', 'x'],
    ['del', 'b'],
    ['put', 'c', 'y'],
    ['put', 'a', '3'],
    ['compact', '4'],
    ['put', 'gone', 'soon'],
    ['del', 'gone'],
    ['put', 'big', 'v'.repeat(9000)],
  ]) {
    await ctl(endpoint, args);
  }
  const lease = /lease ([0-9a-f]+) granted/.exec(await ctl(endpoint, ['lease', 'grant', '3600']))![1]!;
  await ctl(endpoint, ['put', 'leased/1', 'one', `--lease=${lease}`]);
  await ctl(endpoint, ['put', 'leased/2', 'two', `--lease=${lease}`]);
  for (let i = 0; i < 300; i += 100) {
    const ops = Array.from({ length: 100 }, (_, j) => `put many/${String(i + j).padStart(4, '0')} ${'m'.repeat(200)}`);
    // No comparisons, the puts on success, no failure branch: each part ends with a blank line.
    const r = await etcdctl([endpoint], ['txn'], `\n${ops.join('\n')}\n\n\n`);
    if (r.code !== 0 || !r.stdout.startsWith('SUCCESS')) throw new Error(`etcdctl txn: ${r.stdout}${r.stderr}`);
  }
  for (const args of [
    ['user', 'add', 'root', '--new-user-password=rootpw'],
    ['user', 'grant-role', 'root', 'root'],
    ['role', 'add', 'reader'],
    ['role', 'grant-permission', 'reader', 'read', 'many/', '--prefix'],
    ['role', 'grant-permission', 'reader', 'readwrite', 'a'],
    ['user', 'add', 'alice', '--new-user-password=alicepw'],
    ['user', 'grant-role', 'alice', 'reader'],
  ]) {
    await ctl(endpoint, args);
  }
  return lease;
}

export interface ReadBack {
  readonly revision: number;
  readonly kvs: readonly { key: string; create_revision: number; mod_revision: number; version: number; value: string; leased: boolean }[];
  /** Each lease's TTL and attached keys (IDs differ between clusters). */
  readonly leases: readonly { ttl: number; keys: readonly string[] }[];
  readonly users: string;
  readonly roles: string;
  readonly alice: string;
  readonly reader: string;
  /** A read below the compaction fails; at it, it answers. */
  readonly belowCompaction: string;
}

interface GetJson {
  header: { revision: number };
  kvs?: { key: string; create_revision: number; mod_revision: number; version: number; value: string; lease?: number }[];
}

export async function readBack(endpoint: string): Promise<ReadBack> {
  const get = JSON.parse(await ctl(endpoint, ['get', '', '--from-key', '-w', 'json'])) as GetJson;
  const kvs = (get.kvs ?? []).map((kv) => ({
    key: Buffer.from(kv.key, 'base64').toString(),
    create_revision: kv.create_revision,
    mod_revision: kv.mod_revision,
    version: kv.version,
    value: Buffer.from(kv.value, 'base64').toString(),
    leased: (kv.lease ?? 0) !== 0,
  }));
  const ids = (await ctl(endpoint, ['lease', 'list'])).split('\n').slice(1).filter((l) => l.trim() !== '');
  const leases = [];
  for (const id of ids) {
    const t = JSON.parse(await ctl(endpoint, ['lease', 'timetolive', id, '--keys', '-w', 'json'])) as { grantedTTL: number; keys?: string[] };
    leases.push({ ttl: t.grantedTTL, keys: (t.keys ?? []).map((k) => Buffer.from(k, 'base64').toString()).sort() });
  }
  const below = await etcdctl([endpoint], ['get', 'a', '--rev', '3']);
  return {
    revision: get.header.revision,
    kvs,
    leases,
    users: await ctl(endpoint, ['user', 'list']),
    roles: await ctl(endpoint, ['role', 'list']),
    alice: await ctl(endpoint, ['user', 'get', 'alice']),
    reader: await ctl(endpoint, ['role', 'get', 'reader']),
    belowCompaction: below.code === 0 ? below.stdout : below.stderr.split('\n').filter((l) => l.startsWith('Error'))[0] ?? below.stderr,
  };
}

/** The restored cluster answers as its source did. */
export function expectSameContent(restored: ReadBack, source: ReadBack): void {
  expect(restored.revision).toBe(source.revision);
  expect(restored.kvs).toEqual(source.kvs);
  expect(restored.leases).toEqual(source.leases);
  expect(restored.users).toBe(source.users);
  expect(restored.roles).toBe(source.roles);
  expect(restored.alice).toBe(source.alice);
  expect(restored.reader).toBe(source.reader);
  expect(restored.belowCompaction).toBe(source.belowCompaction);
}
