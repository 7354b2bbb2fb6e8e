// Maintenance.Hash and Maintenance.Snapshot on a three-member Lodestone, beside a real etcd 3.4 for
// what etcd answers under auth: Hash is equal on every member at the same applied index and moves
// with a write; a snapshot streams while writes go on being acknowledged; a non-root user is
// refused both with etcd's error, root is served.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotStatus } from '../../cli/snapshot-status.js';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import type * as pb from '../../rpc/etcd-api.js';
import { etcdctl, errorLine } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const binaries = checkBinaries(['etcd', 'etcdctl'], 'Maintenance.Hash and Snapshot beside a real etcd');

function hashOf(endpoint: string, md = new Metadata()): Promise<{ hash: number; revision: number }> {
  const client = createEtcdClient('Maintenance', endpoint);
  return new Promise<{ hash: number; revision: number }>((resolve, reject) =>
    client.Hash({}, md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res?: pb.HashResponse) =>
      err ? reject(err) : resolve({ hash: res!.hash, revision: Number(res!.header!.revision) }),
    ),
  ).finally(() => client.close());
}

function put(client: pb.ServiceClient<'KV'>, key: string, value: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => client.Put({ key: Buffer.from(key), value }, (err: ServiceError | null) => (err ? reject(err) : resolve())));
}

describe.skipIf(!binaries.run)('Maintenance.Hash and Maintenance.Snapshot', () => {
  let lodestone: TestCluster;
  let etcd: TestCluster;
  let dir = '';

  beforeAll(async () => {
    binaries.assertPresent();
    dir = await mkdtemp(join(tmpdir(), 'snapshot-maint-'));
    [lodestone, etcd] = await Promise.all([
      TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn' }),
      TestCluster.start({ implementation: 'etcd', size: 1 }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([lodestone?.destroy(), etcd?.destroy()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every member's Hash once they agree (they apply at their own pace). */
  async function agreedHash(): Promise<{ hash: number; revision: number }> {
    return eventually('the members to agree on Hash', async () => {
      const all = await Promise.all(lodestone.endpoints.map((e) => hashOf(e)));
      return all.every((h) => h.hash === all[0]!.hash && h.revision === all[0]!.revision) ? all[0] : undefined;
    }, 10_000);
  }

  it('Hash is equal on the three members and changes with a put', async () => {
    const kv = createEtcdClient('KV', lodestone.endpoints[1]!);
    try {
      await put(kv, 'h/1', Buffer.from('one'));
      const before = await agreedHash();
      await put(kv, 'h/2', Buffer.from('two'));
      const after = await agreedHash();
      expect(after.revision).toBe(before.revision + 1);
      expect(after.hash).not.toBe(before.hash);
      // Nothing written: nothing moves (a read is not a write).
      expect((await agreedHash()).hash).toBe(after.hash);
    } finally {
      kv.close();
    }
  }, 30_000);

  it('writes keep being acknowledged while a snapshot streams to a slow reader', async () => {
    const kv = createEtcdClient('KV', lodestone.endpoints[0]!);
    const value = new Uint8Array(4096).fill(0x61);
    try {
      for (let i = 0; i < 1500; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => put(kv, `fill/${i + j}`, value)));
      // The same writer alone for two seconds, for comparison.
      let baseline = 0;
      const baselineEnd = Date.now() + 2000;
      while (Date.now() < baselineEnd) {
        await put(kv, `baseline/${baseline}`, Buffer.from('x'));
        baseline++;
      }
      const maintenance = createEtcdClient('Maintenance', lodestone.endpoints[0]!);
      const started = Date.now();
      let firstMessageMs = -1;
      const stream = maintenance.Snapshot({}, new Metadata());
      let streaming = true;
      let acknowledged = 0;
      const writer = (async () => {
        while (streaming) {
          await put(kv, `during/${acknowledged}`, Buffer.from('x'));
          acknowledged++;
        }
      })();
      const blobs: Buffer[] = [];
      let messages = 0;
      let lastRemaining = -1;
      for await (const msg of stream as AsyncIterable<pb.SnapshotResponse>) {
        if (firstMessageMs < 0) firstMessageMs = Date.now() - started;
        blobs.push(Buffer.from(msg.blob));
        lastRemaining = Number(msg.remaining_bytes);
        messages++;
        // A slow reader: the member must not hold writes back while it waits.
        await new Promise((r) => setTimeout(r, 10));
      }
      streaming = false;
      const streamedMs = Date.now() - started;
      await writer;
      maintenance.close();
      const file = Buffer.concat(blobs);
      const db = file.subarray(0, file.length - 32);
      expect(createHash('sha256').update(db).digest()).toEqual(file.subarray(file.length - 32));
      expect(lastRemaining).toBe(0);
      expect(messages).toBe(Math.ceil(db.length / (32 * 1024)) + 1);
      expect(snapshotStatus(new Uint8Array(db)).totalKey).toBeGreaterThanOrEqual(1500);
      console.log(
        `snapshot of ${db.length} bytes in ${messages} messages over ${streamedMs} ms (first message after ${firstMessageMs} ms): ` +
          `${acknowledged} puts acknowledged meanwhile (${Math.round((acknowledged * 1000) / streamedMs)}/s; ${baseline / 2}/s without a snapshot)`,
      );
      expect(acknowledged).toBeGreaterThan(10);
    } finally {
      kv.close();
    }
  }, 60_000);

  it("under auth, Snapshot and Hash are root's: a user is refused with etcd's error, root is served", async () => {
    const setup = [
      ['user', 'add', 'root', '--new-user-password=rootpw'],
      ['user', 'grant-role', 'root', 'root'],
      ['user', 'add', 'alice', '--new-user-password=alicepw'],
      ['auth', 'enable'],
    ];
    const answers: Record<string, string[]> = {};
    for (const [label, endpoint] of [['etcd', etcd.endpoints[0]!], ['lodestone', lodestone.endpoints[2]!]] as const) {
      for (const args of setup) expect((await etcdctl([endpoint], args)).code).toBe(0);
      const refused = await etcdctl([endpoint], ['--user', 'alice:alicepw', 'snapshot', 'save', join(dir, `${label}-alice.db`)]);
      expect(refused.code).not.toBe(0);
      const file = join(dir, `${label}-root.db`);
      const served = await etcdctl([endpoint], ['--user', 'root:rootpw', 'snapshot', 'save', file]);
      expect(served.code, served.stderr).toBe(0);
      const status = await etcdctl([], ['snapshot', 'status', file, '-w', 'json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toEqual(snapshotStatus(new Uint8Array(await readFile(file))));
      answers[label] = [errorLine(refused)];
    }
    expect(answers.lodestone).toEqual(answers.etcd);
    expect(answers.lodestone![0]).toContain('auth: permission denied');
    // Hash: refused for alice, served for root.
    const token = async (user: string, password: string): Promise<Metadata> => {
      const auth = createEtcdClient('Auth', lodestone.endpoints[0]!);
      const res = await new Promise<pb.AuthenticateResponse>((resolve, reject) =>
        auth.Authenticate({ name: user, password }, (err: ServiceError | null, r?: pb.AuthenticateResponse) => (err ? reject(err) : resolve(r!))),
      ).finally(() => auth.close());
      const md = new Metadata();
      md.set('token', res.token);
      return md;
    };
    await expect(hashOf(lodestone.endpoints[0]!, await token('alice', 'alicepw'))).rejects.toMatchObject({ details: 'auth: permission denied' });
    await expect(hashOf(lodestone.endpoints[0]!, await token('root', 'rootpw'))).resolves.toMatchObject({ hash: expect.any(Number) });
  }, 60_000);
});
