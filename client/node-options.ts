// What openNode takes, turned into a member's options: a node of its own by default (no peers, no
// servers), a cluster member when given peers, reachable by other processes when asked to serve.
import type { Logger } from 'pino';
import { MEMBER_DEFAULTS, type MemberOptions } from '../cluster/member-options.js';
import type { ClientOptions } from './client.js';
import { ClientError } from './errors.js';

/** Where a node keeps its data: a folder, or memory (gone when it closes). */
export type NodeStorage = { readonly dataDir: string } | { readonly inMemory: true };

/** Member settings a node may tune (etcd's flags, by their camel-case names). */
export type NodeTuning = Partial<
  Pick<MemberOptions, 'heartbeatInterval' | 'electionTimeout' | 'snapshotCount' | 'snapshotCatchUpEntries' | 'maxRequestBytes' | 'maxTxnOps'>
>;

export interface NodeOptions extends ClientOptions {
  /** The member's name (etcd's --name); "default" when absent. */
  readonly name?: string;
  /**
   * Also serve etcd's gRPC API, so that other processes and etcdctl reach the node. Port 0 picks a
   * free port (node.clientUrls tells which).
   */
  readonly serve?: {
    readonly clientUrls: readonly string[];
    /** The URLs the member tells others about; clientUrls when absent. */
    readonly advertiseClientUrls?: readonly string[];
  };
  /**
   * Form a cluster: this member's peer URL, and every initial member's by name (this one included),
   * as etcd's --initial-cluster. A cluster member must also `serve`: a follower sends lease renewals
   * to the leader's client URL.
   */
  readonly cluster?: {
    readonly peerUrl: string;
    readonly members: Readonly<Record<string, string>>;
    /** etcd's --initial-cluster-token. */
    readonly token?: string;
  };
  readonly tuning?: NodeTuning;
  /** pino level for the member's logs; "warn" when absent. */
  readonly logLevel?: string;
  readonly logger?: Logger;
}

/** An in-memory node has no folder; this name only keeps the member's options valid. */
const NO_DATA_DIR = ':memory:';

export function memberOptionsFor(storage: NodeStorage, options: NodeOptions): Partial<MemberOptions> {
  const name = options.name ?? MEMBER_DEFAULTS.name;
  const inMemory = 'inMemory' in storage && storage.inMemory === true;
  const dataDir = 'dataDir' in storage ? storage.dataDir : NO_DATA_DIR;
  if (!inMemory && !('dataDir' in storage && storage.dataDir)) {
    throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'openNode needs { dataDir } or { inMemory: true }');
  }
  const { serve, cluster } = options;
  if (cluster && !serve) throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'a cluster member must also serve clients (serve.clientUrls)');
  const peer = cluster
    ? {
        servePeers: true,
        listenPeerUrls: [cluster.peerUrl],
        initialAdvertisePeerUrls: [cluster.peerUrl],
        initialCluster: Object.entries(cluster.members).map(([n, url]) => `${n}=${url}`).join(','),
        ...(cluster.token ? { initialClusterToken: cluster.token } : {}),
      }
    : {
        servePeers: false,
        initialCluster: `${name}=${MEMBER_DEFAULTS.initialAdvertisePeerUrls[0]!}`,
      };
  const client = serve
    ? { serveClients: true, listenClientUrls: [...serve.clientUrls], advertiseClientUrls: [...(serve.advertiseClientUrls ?? serve.clientUrls)] }
    : { serveClients: false };
  return {
    ...options.tuning,
    name,
    dataDir,
    inMemory,
    ...peer,
    ...client,
    logLevel: options.logLevel ?? 'warn',
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
