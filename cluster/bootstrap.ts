// Who this member is, decided once: on a fresh data dir from the flags (and the new cluster's first
// log entries written), on an existing one from what it stored then. A restarted member keeps its
// identity whatever --initial-cluster now says.
import { bootstrapState } from '../raft/index.js';
import type { LocalMeta } from '../store/local-meta.js';
import { metaCodecs, metaKey } from '../store/meta.js';
import type { RaftLogStore } from '../store/raft-log-store.js';
import { clusterIdFor, memberIdFor } from './identity.js';
import { fetchMembership } from '../rpc/peer-membership.js';
import type { Dialer } from '../rpc/tls-credentials.js';
import { MemberOptionsError, parseInitialCluster, type MemberOptions } from './member-options.js';
import { encodeMemberContext, type MemberRecord } from './membership.js';

const MEMBER_ID = metaKey('memberId', metaCodecs.number);
const CLUSTER_ID = metaKey('clusterId', metaCodecs.number);
const MEMBER_NAME = metaKey('name', metaCodecs.string);

/** The members a joining member learned of when it joined: its peers until its log tells it more. */
const JOINED_WITH = metaKey('joinedWith', metaCodecs.json<MemberRecord[]>());

export interface Identity {
  readonly memberId: number;
  readonly clusterId: number;
  /** True when this start created the member (a fresh data dir). */
  readonly fresh: boolean;
  /** For a member that joined an existing cluster: the members it was told of then. */
  readonly joinedWith: readonly MemberRecord[];
}

/** `dialPeers` gives the credentials to ask a peer URL (TLS for https) when joining. */
export async function establishIdentity(options: MemberOptions, local: LocalMeta, log: RaftLogStore, dialPeers?: Dialer): Promise<Identity> {
  const storedId = local.get(MEMBER_ID);
  const storedCluster = local.get(CLUSTER_ID);
  if (storedId !== undefined && storedCluster !== undefined) {
    return { memberId: storedId, clusterId: storedCluster, fresh: false, joinedWith: local.get(JOINED_WITH) ?? [] };
  }
  if (options.initialClusterState === 'existing') return joinExisting(options, local, dialPeers);
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
  return { memberId: self.id, clusterId, fresh: true, joinedWith: [] };
}

/** How long a joining member keeps asking its peers before giving up (they may be starting too). */
const JOIN_TIMEOUT_MS = 30_000;

/**
 * A member added with MemberAdd starts with an empty log: it asks the members named in
 * --initial-cluster for the cluster's members and finds itself among them by its peer URLs, as
 * etcd's joining members do. Its log then comes from the leader. Peers that do not answer are asked
 * again for a while: after a power failure every member restarts at once, and one that had been
 * added but had not yet joined must not give up because the others are still starting.
 */
async function joinExisting(options: MemberOptions, local: LocalMeta, dialPeers?: Dialer): Promise<Identity> {
  const mine = [...options.initialAdvertisePeerUrls].sort().join(',');
  const urls = parseInitialCluster(options.initialCluster)
    .filter((m) => m.name !== options.name)
    .flatMap((m) => m.peerUrls);
  if (urls.length === 0) throw new MemberOptionsError('cannot join an existing cluster: --initial-cluster names no other member');
  const deadline = Date.now() + JOIN_TIMEOUT_MS;
  for (let round = 0; ; round++) {
    const failures: string[] = [];
    for (const url of urls) {
      let info;
      try {
        info = await fetchMembership(url, 3000, dialPeers);
      } catch (e) {
        failures.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      const self = info.members.find((m) => [...m.peerUrls].sort().join(',') === mine);
      if (!self) {
        throw new MemberOptionsError(
          `no member of the cluster at ${url} has peer URLs ${mine}: add this member first (etcdctl member add ${options.name} --peer-urls=${mine})`,
        );
      }
      const clusterId = Number(info.clusterId);
      const joinedWith: MemberRecord[] = info.members.map((m) => ({ ...m, peerUrls: [...m.peerUrls], clientUrls: [...m.clientUrls] }));
      await local.set(MEMBER_NAME, options.name);
      await local.set(JOINED_WITH, joinedWith);
      await local.set(CLUSTER_ID, clusterId);
      await local.set(MEMBER_ID, self.id);
      return { memberId: self.id, clusterId, fresh: true, joinedWith };
    }
    const wait = Math.min(1000, 100 * 2 ** round);
    if (Date.now() + wait > deadline) {
      throw new MemberOptionsError(`cannot reach any member of --initial-cluster to join it within ${JOIN_TIMEOUT_MS / 1000} s: ${failures.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}
