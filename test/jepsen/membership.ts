// Membership changes through etcd's Cluster API, as the membership nemesis makes them: a member
// added (MemberAdd, then the new member started with --initial-cluster-state existing) or removed
// (MemberRemove). A call that times out may still take effect, so each change is retried until
// the cluster shows it done, whichever call did it.
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type MemberAddResponse, type MemberListResponse, type MemberRemoveResponse } from '../../rpc/etcd-api.js';
import type { TestCluster } from '../support/cluster.js';
import { describeError } from './kv-client.js';
import { sleep } from './workload.js';

export interface ListedMember {
  /** Decimal, as the API carries it. */
  readonly id: string;
  readonly hexId: string;
  readonly name: string;
  readonly peerUrls: readonly string[];
}

function unary<Res>(
  endpoint: string,
  method: 'MemberList' | 'MemberAdd' | 'MemberRemove',
  request: object,
  timeoutMs: number,
  creds: ChannelCredentials,
): Promise<Res> {
  const client = createEtcdClient('Cluster', endpoint, { credentials: creds });
  return new Promise<Res>((resolve, reject) => {
    const fn = client[method] as unknown as (req: object, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Res) => void) => void;
    fn.call(client, request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : res ? resolve(res) : reject(new Error('empty response'))));
  }).finally(() => client.close());
}

/** The member list as `endpoint` knows it; `creds` reach an https client URL. */
export async function memberList(endpoint: string, timeoutMs = 2000, creds: ChannelCredentials = credentials.createInsecure()): Promise<ListedMember[]> {
  const res = await unary<MemberListResponse>(endpoint, 'MemberList', {}, timeoutMs, creds);
  return res.members.map((m) => ({ id: m.ID, hexId: BigInt(m.ID).toString(16), name: m.name, peerUrls: [...m.peerURLs] }));
}

/** Members to ask, the preferred first, then the other serving members, round and round. */
function askOrder(cluster: TestCluster, preferred: readonly number[], avoid: readonly number[]): number[] {
  const serving = cluster.activeMembers.map((m) => m.index).filter((i) => cluster.isServing(i) && !avoid.includes(i));
  return [...preferred.filter((i) => serving.includes(i)), ...serving.filter((i) => !preferred.includes(i))];
}

/**
 * Has the cluster accept a member with this peer URL: MemberAdd (to the preferred members first),
 * retried until some member lists it. Returns its id and the member that answered (or listed it).
 */
export async function ensureAdded(cluster: TestCluster, peerUrl: string, preferred: readonly number[], timeoutMs: number): Promise<{ member: ListedMember; via: number; calls: number }> {
  const deadline = Date.now() + timeoutMs;
  const errors: string[] = [];
  let calls = 0;
  for (let round = 0; Date.now() < deadline; round++) {
    for (const i of askOrder(cluster, preferred, [])) {
      if (Date.now() >= deadline) break;
      const endpoint = cluster.member(i).endpoint;
      try {
        const listed = (await memberList(endpoint, 2000, cluster.clientCredentials)).find((m) => m.peerUrls.includes(peerUrl));
        if (listed) return { member: listed, via: i, calls };
        calls++;
        const res = await unary<MemberAddResponse>(endpoint, 'MemberAdd', { peerURLs: [peerUrl], isLearner: false }, 5000, cluster.clientCredentials);
        const m = res.member!;
        return { member: { id: m.ID, hexId: BigInt(m.ID).toString(16), name: m.name, peerUrls: [...m.peerURLs] }, via: i, calls };
      } catch (e) {
        errors.push(`${cluster.member(i).name}: ${describeError(e)}`);
      }
    }
    await sleep(500);
  }
  throw new Error(`no member accepted ${peerUrl} within ${timeoutMs} ms: ${lastFew(errors)}`);
}

const MEMBER_NOT_FOUND = 'etcdserver: member not found';

/** Has the cluster remove a member: MemberRemove (through another member), retried until the leader says it has no such member. */
export async function ensureRemoved(cluster: TestCluster, target: number, hexId: string, timeoutMs: number): Promise<{ via: number; calls: number }> {
  const deadline = Date.now() + timeoutMs;
  const errors: string[] = [];
  const id = BigInt(`0x${hexId}`).toString();
  let calls = 0;
  while (Date.now() < deadline) {
    for (const i of askOrder(cluster, [], [target])) {
      if (Date.now() >= deadline) break;
      const endpoint = cluster.member(i).endpoint;
      try {
        calls++;
        await unary<MemberRemoveResponse>(endpoint, 'MemberRemove', { ID: id }, 5000, cluster.clientCredentials);
        return { via: i, calls };
      } catch (e) {
        // The call goes to the leader, which checks its own list: "not found" means an earlier call
        // of unknown outcome removed it. (A member's own list may lag: a joining member's is the one
        // it joined with.)
        if ((e as Partial<ServiceError>).details === MEMBER_NOT_FOUND) return { via: i, calls };
        errors.push(`${cluster.member(i).name}: ${describeError(e)}`);
      }
    }
    await sleep(500);
  }
  throw new Error(`no member removed ${cluster.member(target).name} (${hexId}) within ${timeoutMs} ms: ${lastFew(errors)}`);
}

function lastFew(errors: readonly string[]): string {
  return errors.length === 0 ? 'no member to ask' : errors.slice(-4).join('; ');
}
