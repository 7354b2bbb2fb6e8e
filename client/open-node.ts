// An embedded node: a Lodestone member in this process, used through the client API with no gRPC in
// between. Alone by default; a cluster member when given peers; reachable by other processes (and
// etcdctl) when asked to serve.
import { Member } from '../cluster/member.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import { Client } from './client.js';
import { EmbeddedTransport } from './embedded-transport.js';
import { memberOptionsFor, type NodeOptions, type NodeStorage } from './node-options.js';

export class LodestoneNode extends Client {
  /** @internal */
  constructor(
    /** The member underneath, for what the client API does not cover (status, member list). */
    readonly member: Member,
    options: NodeOptions,
  ) {
    super(new EmbeddedTransport({ kv: member, watch: member, lease: member.leases, auth: member.auth }), options);
  }

  /** The URLs the node serves etcd's API on (with the ports actually bound); empty if it does not serve. */
  get clientUrls(): string[] {
    const ports = this.member.clientPorts;
    return this.member.options.serveClients
      ? this.member.options.listenClientUrls.map((u, i) => {
          const url = new URL(u);
          url.port = String(ports[i] ?? url.port);
          return url.origin;
        })
      : [];
  }

  /** Whether this node leads its cluster now (a node of its own does once openNode resolves). */
  get isLeader(): boolean {
    return this.member.raftStatus().role === 'leader';
  }

  /**
   * Resolves once the node knows a leader (openNode waits for this only for a node of its own: a
   * cluster member waits for its peers). Requests made before then are retried until it does.
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.member.raftStatus().leader === 0) {
      if (Date.now() > deadline) throw new EtcdError('ETCD_NO_LEADER');
      await new Promise((r) => setTimeout(r, Math.min(50, this.member.options.heartbeatInterval)));
    }
  }

  /** Ends the client's watches and keepalives, then stops the member gracefully. */
  override async close(): Promise<void> {
    await super.close();
    await this.member.close();
  }
}

/**
 * Opens a node on a data dir (created if new, reopened with its data if not) or in memory.
 *
 *   const node = await openNode({ dataDir: './data' });
 *   await node.put('greeting', 'hello');
 *   await node.close();
 */
export async function openNode(storage: NodeStorage, options: NodeOptions = {}): Promise<LodestoneNode> {
  const member = await Member.start(memberOptionsFor(storage, options));
  const node = new LodestoneNode(member, options);
  if (!options.cluster) {
    try {
      await node.ready();
    } catch (e) {
      await node.close();
      throw e;
    }
  }
  return node;
}
