// What the nemesis needs to know about the cluster: each member's id, and who leads now.
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type StatusResponse } from '../../rpc/etcd-api.js';
import type { TestCluster } from '../support/cluster.js';
import { probeMember } from '../support/probe.js';

/** Each member's id in hex (the form fault files and logs use), by index. */
export async function memberHexIds(cluster: TestCluster): Promise<string[]> {
  const probes = await Promise.all(cluster.members.map((m) => probeMember(m.endpoint, 5000, cluster.clientCredentials)));
  return probes.map((p) => BigInt(p.memberId).toString(16));
}

/** One member's Status: its own id and the leader it knows (hex; "0" for none). `creds` reach an https client URL. */
export async function memberStatus(
  endpoint: string,
  timeoutMs = 1000,
  creds: ChannelCredentials = credentials.createInsecure(),
): Promise<{ memberId: string; leaderId: string }> {
  const client = createEtcdClient('Maintenance', endpoint, { credentials: creds });
  try {
    const res = await new Promise<StatusResponse>((resolve, reject) => {
      client.Status({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, r?: StatusResponse) =>
        err ? reject(err) : r ? resolve(r) : reject(new Error('empty response')),
      );
    });
    return { memberId: BigInt(res.header?.member_id ?? '0').toString(16), leaderId: BigInt(res.leader).toString(16) };
  } finally {
    client.close();
  }
}

/**
 * The index of the member that the serving members name as leader — the choice of the most of them,
 * and only if that member is itself serving; undefined when there is none.
 */
export async function findLeader(cluster: TestCluster, hexIds: readonly string[]): Promise<number | undefined> {
  const serving = cluster.members.filter((m) => cluster.isServing(m.index));
  const answers = await Promise.all(serving.map((m) => memberStatus(m.endpoint, 1000, cluster.clientCredentials).catch(() => undefined)));
  const votes = new Map<string, number>();
  for (const a of answers) if (a && a.leaderId !== '0') votes.set(a.leaderId, (votes.get(a.leaderId) ?? 0) + 1);
  const ranked = [...votes].sort((x, y) => y[1] - x[1]);
  for (const [id] of ranked) {
    const index = hexIds.indexOf(id);
    if (index >= 0 && cluster.isServing(index)) return index;
  }
  return undefined;
}
