// gRPC clients of the leader's client API, for what a follower passes on to the leader (membership
// changes), kept while the leader (and the TLS it is dialed with) stays the same and replaced when
// it changes.
import { Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { createEtcdClient, type EtcdServiceName, type ServiceClient } from '../rpc/etcd-api.js';
import { EtcdError, etcdErrorFromStatus } from '../rpc/etcd-errors.js';

/** The leader's client API: its "host:port", and the credentials its URL is dialed with (TLS for https). */
export interface LeaderTarget {
  readonly address: string;
  readonly credentials: ChannelCredentials;
}

export class LeaderClients {
  private target: LeaderTarget | undefined;
  private readonly clients = new Map<EtcdServiceName, ServiceClient<EtcdServiceName>>();

  /** `leaderTarget` gives where the leader is, or undefined when no leader is known. */
  constructor(private readonly leaderTarget: () => LeaderTarget | undefined) {}

  get<Name extends EtcdServiceName>(name: Name): ServiceClient<Name> {
    const target = this.leaderTarget();
    if (!target) throw new EtcdError('ETCD_NO_LEADER');
    if (target.address !== this.target?.address || target.credentials !== this.target.credentials) {
      this.close();
      this.target = target;
    }
    let client = this.clients.get(name);
    if (!client) {
      client = createEtcdClient(name, target.address, { credentials: target.credentials });
      this.clients.set(name, client);
    }
    return client as ServiceClient<Name>;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.target = undefined;
  }
}

/** Calls a unary method, turning an etcd error status back into the EtcdError it stands for. */
export function callUnary<Req, Res>(
  invoke: (req: Req, md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res?: Res) => void) => unknown,
  req: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(req, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err || res === undefined) {
        const status = err as (Error & { details?: string }) | null;
        reject((status && etcdErrorFromStatus(status)) ?? err ?? new EtcdError('ETCD_TIMEOUT'));
        return;
      }
      resolve(res);
    });
  });
}
