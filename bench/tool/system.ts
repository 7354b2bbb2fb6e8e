// A cluster under test: one the tool started (a fresh Lodestone or a real etcd, TestCluster on
// loopback) or one given by --endpoints. It finds the leader and the followers by asking each
// member's Status, and opens the gRPC connections the load goes over.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { createEtcdClient, type EtcdServiceName, type ServiceClient, type StatusResponse } from '../../rpc/etcd-api.js';
import type { TestCluster } from '../../test/support/cluster.js';
import type { Placement } from '../../cli/bench-options.js';
import { RawKv } from './raw-kv.js';

export class System {
  private readonly opened: { close(): void }[] = [];
  /** Resident memory of each member right after start, before any load (MiB). */
  idleRssMiB: readonly number[] | undefined;

  constructor(
    /** "Lodestone", "etcd", or "cluster" for --endpoints. */
    readonly name: string,
    readonly endpoints: readonly string[],
    /** The member processes, when the tool started them. */
    readonly cluster?: TestCluster,
    /** Each member's DNS port (UDP and TCP on 127.0.0.1), by member index; empty: no DNS. */
    readonly dnsPorts: readonly number[] = [],
    /** Each member's (or ZooKeeper server's) ZooKeeper-protocol port on 127.0.0.1; empty: none. */
    readonly zookeeperPorts: readonly number[] = [],
    /** Stops what the tool started that is not a TestCluster (a real ZooKeeper ensemble). */
    private readonly stopOther?: () => Promise<void>,
  ) {}

  /** Status of the member at `endpoint`. */
  async status(endpoint: string, timeoutMs = 5000): Promise<StatusResponse> {
    const m = createEtcdClient('Maintenance', endpoint);
    try {
      return await new Promise<StatusResponse>((resolve, reject) =>
        m.Status({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: StatusResponse) =>
          err ? reject(err) : res ? resolve(res) : reject(new Error('empty status')),
        ),
      );
    } finally {
      m.close();
    }
  }

  /** Index in `endpoints` of the member that leads now. */
  async leaderIndex(): Promise<number> {
    const statuses = await Promise.all(this.endpoints.map((e) => this.status(e).catch(() => undefined)));
    const index = statuses.findIndex((s) => s !== undefined && s.header !== null && s.leader !== '0' && s.header.member_id === s.leader);
    if (index < 0) throw new Error(`no member of ${this.endpoints.join(',')} says it leads`);
    return index;
  }

  /** The endpoints that requests placed `where` go to. */
  async placed(where: Placement): Promise<string[]> {
    if (where === 'all' || this.endpoints.length === 1) return [...this.endpoints];
    const leader = await this.leaderIndex();
    if (where === 'leader') return [this.endpoints[leader]!];
    return [this.endpoints[(leader + 1) % this.endpoints.length]!];
  }

  /** `count` connections (one per endpoint if 0), spread across `endpoints`; closed with the system. */
  open<N extends EtcdServiceName>(service: N, endpoints: readonly string[], count = 0): ServiceClient<N>[] {
    const n = count > 0 ? count : endpoints.length;
    return Array.from({ length: n }, (_, i) => {
      // Its own subchannel: connections are not shared behind the tool's back.
      const c = createEtcdClient(service, endpoints[i % endpoints.length]!, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
      this.opened.push(c);
      return c;
    });
  }

  /** Lean KV connections for the load loop (RawKv), as open() spreads them; closed with the system. */
  openRaw(endpoints: readonly string[], count = 0): RawKv[] {
    const n = count > 0 ? count : endpoints.length;
    return Array.from({ length: n }, (_, i) => {
      const c = new RawKv(endpoints[i % endpoints.length]!);
      this.opened.push(c);
      return c;
    });
  }

  /** Closes the connections; stops and removes the cluster if the tool started it. */
  async close(): Promise<void> {
    // Members first: a load still running (Ctrl-C) then sees failed calls, not closed channels.
    await this.cluster?.destroy();
    await this.stopOther?.();
    for (const c of this.opened.splice(0)) c.close();
  }
}
