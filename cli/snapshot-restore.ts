// Restores an etcd-layout snapshot (made by Lodestone or by etcd) into a new Lodestone data dir,
// as etcdctl snapshot restore does for etcd: the key-value history with its revisions, the
// compaction, the leases and the auth store are kept; the membership is new, from the flags, so the
// members started on the restored dirs form a new cluster. Restore each member's dir from the
// same file with the same --initial-cluster and token.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { establishIdentity } from '../cluster/bootstrap.js';
import { idToHex } from '../cluster/identity.js';
import { MEMBER_DEFAULTS, validateOptions, type MemberOptions } from '../cluster/member-options.js';
import { BoltReader } from '../store/bbolt/reader.js';
import { openStoreDb } from '../store/db.js';
import { stateRecordsFromEtcd, type RestoredSummary } from '../store/etcd-backend/to-state.js';
import { LocalMeta } from '../store/local-meta.js';
import { MvccStore } from '../store/mvcc/mvcc-store.js';
import { RaftLogStore } from '../store/raft-log-store.js';
import { SnapshotEncoder } from '../store/snapshot/stream-format.js';
import { EMPTY_CONF_STATE } from '../raft/types.js';
import { databaseOf } from './snapshot-file.js';

export interface RestoreOptions {
  readonly dataDir: string;
  readonly name: string;
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly initialClusterToken?: string;
  readonly skipHashCheck?: boolean;
}

export interface RestoreResult extends RestoredSummary {
  readonly memberId: string;
  readonly clusterId: string;
}

export class SnapshotRestoreError extends Error {
  override readonly name = 'SnapshotRestoreError';
}

const CHUNK_BYTES = 1024 * 1024;

export async function restoreSnapshot(file: Uint8Array, options: RestoreOptions): Promise<RestoreResult> {
  if (existsSync(options.dataDir)) throw new SnapshotRestoreError(`data-dir "${options.dataDir}" exists`);
  const member: MemberOptions = {
    ...MEMBER_DEFAULTS,
    name: options.name,
    dataDir: options.dataDir,
    initialCluster: options.initialCluster,
    initialAdvertisePeerUrls: [...options.initialAdvertisePeerUrls],
    initialClusterToken: options.initialClusterToken ?? MEMBER_DEFAULTS.initialClusterToken,
    initialClusterState: 'new',
  };
  validateOptions(member);
  const { records, summary } = stateRecordsFromEtcd(BoltReader.open(databaseOf(file, options.skipHashCheck ?? false)));
  const dbDir = join(options.dataDir, 'member', 'db');
  await mkdir(dbDir, { recursive: true });
  const db = await openStoreDb(dbDir);
  try {
    const kv = await MvccStore.open(db);
    // The state goes in at applied index 0: the new cluster's first entries (its members) apply on top.
    await kv.installSnapshot(encode(records, summary.revision));
    await kv.close();
    const identity = await establishIdentity(member, await LocalMeta.open(db), await RaftLogStore.open(db));
    await db.close();
    return { ...summary, memberId: idToHex(identity.memberId), clusterId: idToHex(identity.clusterId) };
  } catch (e) {
    await db.close().catch(() => undefined);
    await rm(options.dataDir, { recursive: true, force: true });
    throw e;
  }
}

async function* encode(records: readonly { key: Uint8Array; value: Uint8Array }[], revision: number): AsyncGenerator<Uint8Array> {
  const encoder = new SnapshotEncoder({ appliedIndex: 0, revision, confState: EMPTY_CONF_STATE }, CHUNK_BYTES);
  for (const r of records) {
    const chunk = encoder.add(r.key, r.value);
    if (chunk) yield chunk;
  }
  yield encoder.finish();
}
