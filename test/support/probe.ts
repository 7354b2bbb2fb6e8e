// Asks one member, over the etcd API, what a readiness check needs: its id and the leader it knows
// (Maintenance.Status), the members it knows (Cluster.MemberList), and whether it serves a
// linearizable read (KV.Range of one key, as `etcdctl endpoint health` does).
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type EtcdServiceName, type ServiceClient } from '../../rpc/etcd-api.js';

export interface MemberProbe {
  readonly clusterId: string;
  readonly memberId: string;
  readonly leaderId: string;
  readonly raftTerm: string;
  readonly members: readonly { id: string; name: string; clientUrls: readonly string[] }[];
}

function call<Res>(invoke: (callback: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : res === undefined ? reject(new Error('empty response')) : resolve(res)));
  });
}

/**
 * One round of questions to the member at `endpoint` ("host:port"); throws if any goes unanswered.
 * `creds` reach an https client URL (plaintext by default).
 */
export async function probeMember(endpoint: string, timeoutMs = 1500, creds: ChannelCredentials = credentials.createInsecure()): Promise<MemberProbe> {
  const clients: ServiceClient<EtcdServiceName>[] = [];
  const open = <N extends EtcdServiceName>(name: N): ServiceClient<N> => {
    const c = createEtcdClient(name, endpoint, { credentials: creds });
    clients.push(c);
    return c;
  };
  try {
    const deadline = (): { deadline: number } => ({ deadline: Date.now() + timeoutMs });
    const maintenance = open('Maintenance');
    const cluster = open('Cluster');
    const kv = open('KV');
    const status = await call<{ header: { cluster_id: string; member_id: string } | null; leader: string; raftTerm: string }>((cb) =>
      maintenance.Status({}, new Metadata(), deadline(), cb),
    );
    const list = await call<{ members: { ID: string; name: string; clientURLs: string[] }[] }>((cb) =>
      cluster.MemberList({}, new Metadata(), deadline(), cb),
    );
    await call((cb) => kv.Range({ key: Buffer.from('health') }, new Metadata(), deadline(), cb));
    return {
      clusterId: status.header?.cluster_id ?? '0',
      memberId: status.header?.member_id ?? '0',
      leaderId: status.leader,
      raftTerm: status.raftTerm,
      members: list.members.map((m) => ({ id: m.ID, name: m.name, clientUrls: m.clientURLs })),
    };
  } finally {
    for (const c of clients) c.close();
  }
}
