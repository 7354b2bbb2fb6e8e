// gRPC clients of the leader's client API, for what a follower passes on to the leader (membership
// changes), kept while the leader stays the same and replaced when it changes.
import { Metadata } from '@grpc/grpc-js';
import { createEtcdClient, type EtcdServiceName, type ServiceClient } from '../rpc/etcd-api.js';
import { EtcdError, etcdErrorFromStatus } from '../rpc/etcd-errors.js';

export class LeaderClients {
  private address: string | undefined;
  private readonly clients = new Map<EtcdServiceName, ServiceClient<EtcdServiceName>>();

  /** `leaderAddress` gives the leader's "host:port", or undefined when no leader is known. */
  constructor(private readonly leaderAddress: () => string | undefined) {}

  get<Name extends EtcdServiceName>(name: Name): ServiceClient<Name> {
    const address = this.leaderAddress();
    if (!address) throw new EtcdError('ETCD_NO_LEADER');
    if (address !== this.address) {
      this.close();
      this.address = address;
    }
    let client = this.clients.get(name);
    if (!client) {
      client = createEtcdClient(name, address);
      this.clients.set(name, client);
    }
    return client as ServiceClient<Name>;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.address = undefined;
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
