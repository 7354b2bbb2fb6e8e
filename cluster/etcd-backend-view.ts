// The member's replicated state as etcd 3.4's backend would hold it, read from one consistent
// point (a LevelDB snapshot taken under the store's write lock): applies go on while it is read.
// Maintenance.Snapshot streams it as a bbolt file, Maintenance.Hash hashes it.
import { writeBoltFile, type BoltBucket } from '../store/bbolt/writer.js';
import { backendHash } from '../store/etcd-backend/backend-hash.js';
import { EtcdLayoutBuilder } from '../store/etcd-backend/from-state.js';
import type { MvccStore } from '../store/mvcc/mvcc-store.js';
import { SnapshotDecoder } from '../store/snapshot/stream-format.js';

export interface EtcdBackendView {
  readonly buckets: BoltBucket[];
  /** The store's revision at the point read. */
  readonly revision: number;
}

/** etcd's cluster version string for a server version: major.minor.0. */
export function clusterVersionOf(serverVersion: string): string {
  const [major = '3', minor = '0'] = serverVersion.split('.');
  return `${major}.${minor}.0`;
}

export async function readEtcdBackend(mvcc: MvccStore, serverVersion: string): Promise<EtcdBackendView> {
  const snapshot = await mvcc.snapshot();
  const decoder = new SnapshotDecoder();
  const builder = new EtcdLayoutBuilder(clusterVersionOf(serverVersion));
  for await (const chunk of snapshot) {
    for (const r of decoder.push(chunk)) builder.add(r.key, r.value);
  }
  decoder.finish();
  return { buckets: builder.finish(), revision: snapshot.revision };
}

/** The bbolt file etcd's Maintenance.Snapshot would send for this state. */
export async function etcdBackendFile(mvcc: MvccStore, serverVersion: string): Promise<Uint8Array> {
  return writeBoltFile((await readEtcdBackend(mvcc, serverVersion)).buckets);
}

/** etcd's Maintenance.Hash over this state, with the revision it was taken at. */
export async function etcdBackendHash(mvcc: MvccStore, serverVersion: string): Promise<{ hash: number; revision: number }> {
  const view = await readEtcdBackend(mvcc, serverVersion);
  return { hash: backendHash(view.buckets), revision: view.revision };
}
