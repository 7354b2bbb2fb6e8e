// Who this member is, decided once: on a fresh data dir from the flags (and the new cluster's first
// log entries written), on an existing one from what it stored then. A restarted member keeps its
// identity whatever --initial-cluster now says.
import { bootstrapState } from '../raft/index.js';
import type { LocalMeta } from '../store/local-meta.js';
import { metaCodecs, metaKey } from '../store/meta.js';
import type { RaftLogStore } from '../store/raft-log-store.js';
import { clusterIdFor, memberIdFor } from './identity.js';
import { MemberOptionsError, parseInitialCluster, type MemberOptions } from './member-options.js';
import { encodeMemberContext, type MemberRecord } from './membership.js';

const MEMBER_ID = metaKey('memberId', metaCodecs.number);
const CLUSTER_ID = metaKey('clusterId', metaCodecs.number);
const MEMBER_NAME = metaKey('name', metaCodecs.string);

export interface Identity {
  readonly memberId: number;
  readonly clusterId: number;
  /** True when this start created the member (a fresh data dir). */
  readonly fresh: boolean;
}

export async function establishIdentity(options: MemberOptions, local: LocalMeta, log: RaftLogStore): Promise<Identity> {
  const storedId = local.get(MEMBER_ID);
  const storedCluster = local.get(CLUSTER_ID);
  if (storedId !== undefined && storedCluster !== undefined) {
    return { memberId: storedId, clusterId: storedCluster, fresh: false };
  }
  if (options.initialClusterState === 'existing') {
    throw new MemberOptionsError(
      '--initial-cluster-state existing needs the member to be added to the cluster first (MemberAdd); joining an existing cluster is not supported yet',
    );
  }
  const initial = parseInitialCluster(options.initialCluster);
  const records: MemberRecord[] = initial.map((m) => ({
    id: memberIdFor(m.peerUrls, options.initialClusterToken),
    name: m.name,
    peerUrls: m.peerUrls,
    clientUrls: m.name === options.name ? [...options.advertiseClientUrls] : [],
    isLearner: false,
  }));
  const ids = records.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw new MemberOptionsError('--initial-cluster: two members share peer URLs');
  const self = records.find((r) => r.name === options.name)!;
  const clusterId = clusterIdFor(ids, options.initialClusterToken);
  // Every initial member writes the same first entries, so their logs agree from index 1. Client URLs
  // are left out of them (each member publishes its own later); they must be identical everywhere.
  const byId = new Map(records.map((r) => [r.id, { ...r, clientUrls: [] }]));
  const boot = bootstrapState(ids, (id) => encodeMemberContext(byId.get(id)!));
  await log.save({ entries: boot.entries, hardState: boot.hardState });
  await local.set(MEMBER_NAME, options.name);
  await local.set(CLUSTER_ID, clusterId);
  await local.set(MEMBER_ID, self.id);
  return { memberId: self.id, clusterId, fresh: true };
}
