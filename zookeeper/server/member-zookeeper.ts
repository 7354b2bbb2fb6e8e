// A member's ZooKeeper interface: listeners speaking ZooKeeper's client protocol over the member's
// own state. Reads are this member's (as a ZooKeeper server serves reads from its own replica),
// writes go through raft, sessions are leases, and one watcher on the znode tree feeds every
// connection's watches.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import type { WatchBackend } from '../../rpc/watch-backend.js';
import { RegistryBridge } from '../bridge/registry-bridge.js';
import { SERVICES_ZNODE } from '../bridge/service-znodes.js';
import { ZNodeReaper, ZNodeTree, type ZkCaller } from '../tree/index.js';
import { pathProblem } from '../tree/paths.js';
import { parseZkAddress, type ZkListenAddress } from './listen-address.js';
import { RequestHandler } from './request-handler.js';
import { SessionOpener } from './session-opener.js';
import { SessionSecret } from './session-secret.js';
import { WatchDispatcher } from './watch-dispatcher.js';
import { ZkConnection } from './zk-connection.js';

export interface ZooKeeperOptions {
  /** --listen-zookeeper-urls: "host:port" each; none: no ZooKeeper interface. */
  readonly listenZookeeperUrls: readonly string[];
  /** --zookeeper-registry-bridge: mirror <base>/<service>/<id> znodes and registry instances into each other. */
  readonly zookeeperRegistryBridge: boolean;
  /** --zookeeper-registry-bridge-path: the base znode the bridge mirrors under (a Curator basePath). */
  readonly zookeeperRegistryBridgePath: string;
  /**
   * --zookeeper-super-digest: "user:base64(sha1(user:password))", ZooKeeper's
   * zookeeper.DigestAuthenticationProvider.superDigest; '' for none.
   */
  readonly zookeeperSuperDigest: string;
}

export const ZOOKEEPER_DEFAULTS: ZooKeeperOptions = { listenZookeeperUrls: [], zookeeperRegistryBridge: true, zookeeperRegistryBridgePath: SERVICES_ZNODE, zookeeperSuperDigest: '' };

export interface ZooKeeperDeps {
  readonly kv: KvBackend;
  readonly leases: LeaseBackend;
  readonly watch: WatchBackend;
  /** Whether this member leads: only the leader reaps empty containers and expired TTL znodes. */
  readonly isLeader: () => boolean;
  readonly logger: Logger;
}

export class MemberZooKeeper {
  private readonly connections = new Set<ZkConnection>();

  private constructor(
    private readonly servers: readonly Server[],
    private readonly dispatcher: WatchDispatcher,
    private readonly reaper: ZNodeReaper,
    private readonly bridge: RegistryBridge | undefined,
  ) {}

  /** Starts the listeners; undefined when no address is given. */
  static async start(options: ZooKeeperOptions, deps: ZooKeeperDeps): Promise<MemberZooKeeper | undefined> {
    if (options.listenZookeeperUrls.length === 0) return undefined;
    const addresses = options.listenZookeeperUrls.map(parseZkAddress);
    const tree = new ZNodeTree({ kv: deps.kv });
    const dispatcher = new WatchDispatcher(deps.watch, deps.logger);
    const reaper = new ZNodeReaper(tree, { isLeader: deps.isLeader });
    const bridge = options.zookeeperRegistryBridge ? new RegistryBridge({ kv: deps.kv, watch: deps.watch, tree, isLeader: deps.isLeader, logger: deps.logger, basePath: options.zookeeperRegistryBridgePath }) : undefined;
    const servers: Server[] = [];
    const zk = new MemberZooKeeper(servers, dispatcher, reaper, bridge);
    const connectionDeps = {
      handler: new RequestHandler(tree),
      opener: new SessionOpener(deps.leases, new SessionSecret(deps.kv)),
      leases: deps.leases,
      dispatcher,
      currentRevision: () => deps.watch.currentRevision(),
      closeSession: (caller: ZkCaller) => tree.closeSession(caller),
      sync: async () => {
        await tree.sync({ sessionId: 0n, authIds: [] }, '/');
      },
      logger: deps.logger,
      superDigest: options.zookeeperSuperDigest,
    };
    dispatcher.start();
    try {
      for (const address of addresses) servers.push(await listen(address, (socket) => zk.accept(socket, connectionDeps)));
    } catch (e) {
      await zk.close();
      throw e;
    }
    // The root and /zookeeper exist before the first client asks; a cluster without a leader yet
    // makes them on the first write instead.
    tree.ensureRoot().catch((err: unknown) => deps.logger.debug({ err }, 'zookeeper root not made yet'));
    reaper.start();
    bridge?.start();
    return zk;
  }

  get ports(): readonly number[] {
    return this.servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a !== null ? a.port : 0;
    });
  }

  private accept(socket: Socket, deps: ConstructorParameters<typeof ZkConnection>[1]): void {
    const c = new ZkConnection(socket, deps);
    this.connections.add(c);
    socket.once('close', () => this.connections.delete(c));
  }

  async close(): Promise<void> {
    this.reaper.stop();
    this.bridge?.stop();
    for (const c of this.connections) c.close();
    this.connections.clear();
    this.dispatcher.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function listen(address: ZkListenAddress, onSocket: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onSocket);
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The checks made at start, with the flag's name. */
export function validateZooKeeperOptions(o: ZooKeeperOptions): void {
  for (const u of o.listenZookeeperUrls) parseZkAddress(u);
  const base = o.zookeeperRegistryBridgePath;
  const problem = base === '/' ? 'it must name a znode below the root' : pathProblem(base);
  if (problem !== undefined) throw new Error(`--zookeeper-registry-bridge-path ${JSON.stringify(base)}: ${problem} (e.g. /services)`);
  const digest = o.zookeeperSuperDigest;
  if (digest !== '' && !SUPER_DIGEST.test(digest)) {
    throw new Error(`--zookeeper-super-digest: expected user:base64(sha1(user:password)), as DigestAuthenticationProvider prints it (e.g. super:D/InIHSb7yEEbrWz8b9l71RjZJU=)`);
  }
}

/** A digest id: a user without a colon, and the 28 base64 characters of a SHA-1. */
const SUPER_DIGEST = /^[^:]+:[A-Za-z0-9+/]{27}=$/;
