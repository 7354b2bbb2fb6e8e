// What openNode takes, turned into a member's options: a node of its own by default (no peers, no
// servers), a cluster member when given peers, reachable by other processes when asked to serve.
import type { Logger } from 'pino';
import { parseAuthTokenOptions, type AuthTokenOptions } from '../cluster/auth-token-options.js';
import { MEMBER_DEFAULTS, type MemberOptions } from '../cluster/member-options.js';
import type { ClientOptions } from './client.js';
import { ClientError } from './errors.js';

/** Where a node keeps its data: a folder, or memory (gone when it closes). */
export type NodeStorage = { readonly dataDir: string } | { readonly inMemory: true };

/** Member settings a node may tune (etcd's flags, by their camel-case names). */
export type NodeTuning = Partial<
  Pick<MemberOptions, 'heartbeatInterval' | 'electionTimeout' | 'snapshotCount' | 'snapshotCatchUpEntries' | 'maxRequestBytes' | 'maxTxnOps'>
>;

/**
 * TLS of the served client URLs (https:// in serve.clientUrls) and of the peer URLs (https:// in
 * cluster), as etcd's flags of the same names. Files are PEM, re-read when they change.
 */
export interface NodeTls {
  /** The certificate served on https client URLs (--cert-file), with its key (--key-file). */
  readonly certFile?: MemberOptions['certFile'];
  readonly keyFile?: MemberOptions['keyFile'];
  /** CA bundle client certificates must chain to (--trusted-ca-file). */
  readonly trustedCaFile?: MemberOptions['trustedCaFile'];
  /** Require a client certificate signed by trustedCaFile (--client-cert-auth). */
  readonly clientCertAuth?: MemberOptions['clientCertAuth'];
  /** Revoked client certificates, a PEM CRL (--client-crl-file). */
  readonly clientCrlFile?: MemberOptions['clientCrlFile'];
  /** Serve https client URLs with a self-signed certificate made at start (--auto-tls). */
  readonly autoTls?: MemberOptions['autoTls'];
  /** The certificate served on https peer URLs and presented to peers (--peer-cert-file, --peer-key-file). */
  readonly peerCertFile?: MemberOptions['peerCertFile'];
  readonly peerKeyFile?: MemberOptions['peerKeyFile'];
  /** CA bundle peer certificates must chain to (--peer-trusted-ca-file). */
  readonly peerTrustedCaFile?: MemberOptions['peerTrustedCaFile'];
  /** Require peers to present a certificate signed by peerTrustedCaFile (--peer-client-cert-auth). */
  readonly peerClientCertAuth?: MemberOptions['peerClientCertAuth'];
  /** Revoked peer certificates, a PEM CRL (--peer-crl-file). */
  readonly peerCrlFile?: MemberOptions['peerCrlFile'];
  /** When set, a peer certificate's CN must be exactly this (--peer-cert-allowed-cn). */
  readonly peerCertAllowedCn?: MemberOptions['peerCertAllowedCn'];
  /** Serve https peer URLs with a self-signed certificate made at start (--peer-auto-tls). */
  readonly peerAutoTls?: MemberOptions['peerAutoTls'];
  /** TLS 1.2 cipher suites by Go's (IANA's) names (--cipher-suites); the defaults when absent. */
  readonly cipherSuites?: MemberOptions['cipherSuites'];
  /** The oldest TLS version served or dialed, 'TLS1.2' (default) or 'TLS1.3' (--tls-min-version). */
  readonly tlsMinVersion?: MemberOptions['tlsMinVersion'];
}

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
   * as etcd's --initial-cluster. A cluster member must also `serve` clients.
   */
  readonly cluster?: {
    readonly peerUrl: string;
    readonly members: Readonly<Record<string, string>>;
    /** etcd's --initial-cluster-token. */
    readonly token?: string;
  };
  readonly tuning?: NodeTuning;
  readonly tls?: NodeTls;
  /**
   * The tokens of etcd's auth once it is enabled (--auth-token): etcd's flag value ("simple", or
   * "jwt,pub-key=…,priv-key=…,sign-method=ES256,ttl=5m"), or the parsed options; simple when absent.
   */
  readonly authToken?: string | AuthTokenOptions;
  /** Seconds a simple token lives without use (--auth-token-ttl); 300 when absent. */
  readonly authTokenTtl?: number;
  /**
   * Answer the service registry over DNS (the member's --listen-dns-urls, --dns-domain,
   * --dns-only-passing): "host:port" addresses, each UDP and TCP; port 0 picks one
   * (node.member.dnsPorts tells which).
   */
  readonly dns?: {
    readonly listen: readonly string[];
    /** "lodestone." when absent. */
    readonly domain?: string;
    /** Passing instances only (true when absent), or warning ones too. */
    readonly onlyPassing?: boolean;
  };
  /**
   * Serve ZooKeeper's client protocol (the member's --listen-zookeeper-urls,
   * --zookeeper-registry-bridge): "host:port" addresses; port 0 picks one
   * (node.member.zookeeperPorts tells which).
   */
  readonly zookeeper?: {
    readonly listen: readonly string[];
    /** Mirror /services/<service>/<id> znodes and registry instances both ways (true when absent). */
    readonly registryBridge?: boolean;
    /** The znode the bridge mirrors under instead of /services (a Curator basePath). */
    readonly registryBridgePath?: string;
    /** A digest id ("user:base64(sha1(user:password))") whose addauth bypasses every ACL (ZooKeeper's superDigest). */
    readonly superDigest?: string;
  };
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
  const { authToken, authTokenTtl } = options;
  return {
    ...definedOnly(options.tuning),
    ...definedOnly(options.tls),
    ...(authToken !== undefined ? { authToken: typeof authToken === 'string' ? parseAuthTokenOptions(authToken) : authToken } : {}),
    ...(authTokenTtl !== undefined ? { authTokenTtl } : {}),
    name,
    dataDir,
    inMemory,
    ...peer,
    ...client,
    ...(options.dns ? definedOnly({ listenDnsUrls: [...options.dns.listen], dnsDomain: options.dns.domain, dnsOnlyPassing: options.dns.onlyPassing }) : {}),
    ...(options.zookeeper ? definedOnly({ listenZookeeperUrls: [...options.zookeeper.listen], zookeeperRegistryBridge: options.zookeeper.registryBridge, zookeeperRegistryBridgePath: options.zookeeper.registryBridgePath, zookeeperSuperDigest: options.zookeeper.superDigest }) : {}),
    logLevel: options.logLevel ?? 'warn',
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

/** The entries that are set: `{ certFile: undefined }` leaves the member's default in place. */
function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
