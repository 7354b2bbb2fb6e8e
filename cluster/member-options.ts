// What a member is told at start: etcd's flags, with etcd's names and defaults. The command line, the
// environment (LODESTONE_*) and a config file all fill in this one shape (see flags.ts).
import type { Logger } from 'pino';
import { TlsError } from '../rpc/tls-errors.js';
import { checkTlsPolicy, type TlsVersionName } from '../rpc/tls-policy.js';
import type { AuthTokenOptions } from './auth-token-options.js';
import { CompactionRetentionError, parseCompactionRetention, REVISION_CHECK_INTERVAL_MS, type AutoCompactionMode } from './compaction-retention.js';
import { DNS_DEFAULTS, validateDnsOptions, type DnsOptions } from '../dns/member-dns.js';
import { ZOOKEEPER_DEFAULTS, validateZooKeeperOptions, type ZooKeeperOptions } from '../zookeeper/server/member-zookeeper.js';

export type InitialClusterState = 'new' | 'existing';

/** etcd's flags, the registry's DNS interface's (dns/member-dns.ts) and ZooKeeper's (zookeeper/server/). */
export interface MemberOptions extends DnsOptions, ZooKeeperOptions {
  /** Human-readable name of this member. */
  readonly name: string;
  /** Where the member keeps its LevelDB. */
  readonly dataDir: string;
  /** URLs the client (etcd API) server listens on. */
  readonly listenClientUrls: readonly string[];
  /** Client URLs this member tells the rest of the cluster (and clients) about. */
  readonly advertiseClientUrls: readonly string[];
  /** URLs the peer (raft) server listens on. */
  readonly listenPeerUrls: readonly string[];
  /** Peer URLs this member tells the rest of the cluster about. */
  readonly initialAdvertisePeerUrls: readonly string[];
  /** More URLs that answer /metrics and /health (etcd's --listen-metrics-urls); https ones use the client TLS. */
  readonly listenMetricsUrls: readonly string[];
  /** More URLs that serve the web console (and the HTTP APIs it calls) alone; https ones use the client TLS. */
  readonly listenConsoleUrls: readonly string[];
  /** The initial members, "name=peerURL[,name=peerURL…]". */
  readonly initialCluster: string;
  readonly initialClusterState: InitialClusterState;
  /** Distinguishes clusters made from the same --initial-cluster. */
  readonly initialClusterToken: string;
  /** Milliseconds between heartbeats (and raft ticks). */
  readonly heartbeatInterval: number;
  /** Milliseconds without a leader before a follower campaigns. */
  readonly electionTimeout: number;
  /** Applied entries between raft log snapshots (after which the log is compacted). */
  readonly snapshotCount: number;
  /** Entries kept in the log behind a snapshot, so slow followers catch up without one. */
  readonly snapshotCatchUpEntries: number;
  /** Largest request a client may send, in bytes. */
  readonly maxRequestBytes: number;
  /** Maximum operations in one transaction. */
  readonly maxTxnOps: number;
  /** etcd's --quota-backend-bytes: 0 means the 2 GiB default, a negative value no quota (see quota.ts). */
  readonly quotaBackendBytes: number;
  /** Milliseconds between progress notifications to watchers that asked for them (etcd: 10 minutes). */
  readonly watchProgressNotifyIntervalMs: number;
  /** etcd's --auto-compaction-mode: how --auto-compaction-retention is read. */
  readonly autoCompactionMode: AutoCompactionMode;
  /** etcd's --auto-compaction-retention: hours or a Go duration (periodic), revisions (revision); '0' is off. */
  readonly autoCompactionRetention: string;
  /** How often revision mode looks (etcd: every 5 minutes); not a flag — tests shorten it. */
  readonly autoCompactionRevisionCheckIntervalMs: number;
  /** etcd's --auth-token: simple tokens, or JWTs signed with the given keys. */
  readonly authToken: AuthTokenOptions;
  /** Seconds a simple token lives without use (etcd's --auth-token-ttl). */
  readonly authTokenTtl: number;
  /** pino level: 'debug' | 'info' | 'warn' | 'error' | 'silent'. */
  readonly logLevel: string;
  /** The certificate (PEM) served on https client URLs; re-read when it changes. */
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle client certificates must chain to; given, it requires client certificates (as etcd's). */
  readonly trustedCaFile: string;
  /** Require a client certificate signed by the trusted CA on https client URLs. */
  readonly clientCertAuth: boolean;
  /** Revoked client certificates (a PEM CRL signed by the CA). */
  readonly clientCrlFile: string;
  /** Serve https client URLs with a self-signed certificate made at start in <data-dir>/fixtures/client. */
  readonly autoTls: boolean;
  /** The certificate served on https peer URLs, and presented when dialing peers. */
  readonly peerCertFile: string;
  readonly peerKeyFile: string;
  readonly peerTrustedCaFile: string;
  /** Require peers to present a certificate signed by the peer CA. */
  readonly peerClientCertAuth: boolean;
  readonly peerCrlFile: string;
  /** When set, a peer certificate's CN must be exactly this. */
  readonly peerCertAllowedCn: string;
  /** Serve https peer URLs with a self-signed certificate made at start in <data-dir>/fixtures/peer. */
  readonly peerAutoTls: boolean;
  /** TLS 1.2 cipher suites by Go's (IANA's) names, as etcd's --cipher-suites; empty: the defaults. */
  readonly cipherSuites: readonly string[];
  /** The oldest TLS version served or dialed ('TLS1.2' or 'TLS1.3'). */
  readonly tlsMinVersion: TlsVersionName;
  /** Keep everything in memory instead of dataDir (embedded use, tests): nothing survives close(). */
  readonly inMemory: boolean;
  /** Serve the etcd API on listenClientUrls (an embedded node may be reached in-process only). */
  readonly serveClients: boolean;
  /** Listen for peers on listenPeerUrls (a node that will never have peers need not). */
  readonly servePeers: boolean;
  /** Use this logger instead of creating one (embedded use). */
  readonly logger?: Logger;
}

export const MEMBER_DEFAULTS: MemberOptions = {
  name: 'default',
  dataDir: 'default.etcd',
  listenClientUrls: ['http://localhost:2379'],
  advertiseClientUrls: ['http://localhost:2379'],
  listenPeerUrls: ['http://localhost:2380'],
  initialAdvertisePeerUrls: ['http://localhost:2380'],
  listenMetricsUrls: [],
  listenConsoleUrls: [],
  initialCluster: 'default=http://localhost:2380',
  initialClusterState: 'new',
  initialClusterToken: 'etcd-cluster',
  heartbeatInterval: 100,
  electionTimeout: 1000,
  snapshotCount: 100_000,
  snapshotCatchUpEntries: 5_000,
  maxRequestBytes: 1.5 * 1024 * 1024,
  maxTxnOps: 128,
  quotaBackendBytes: 0,
  watchProgressNotifyIntervalMs: 10 * 60 * 1000,
  autoCompactionMode: 'periodic',
  autoCompactionRetention: '0',
  autoCompactionRevisionCheckIntervalMs: REVISION_CHECK_INTERVAL_MS,
  authToken: { kind: 'simple' },
  authTokenTtl: 300,
  logLevel: 'info',
  certFile: '',
  keyFile: '',
  trustedCaFile: '',
  clientCertAuth: false,
  clientCrlFile: '',
  autoTls: false,
  peerCertFile: '',
  peerKeyFile: '',
  peerTrustedCaFile: '',
  peerClientCertAuth: false,
  peerCrlFile: '',
  peerCertAllowedCn: '',
  peerAutoTls: false,
  cipherSuites: [],
  tlsMinVersion: 'TLS1.2',
  inMemory: false,
  serveClients: true,
  servePeers: true,
  ...DNS_DEFAULTS,
  ...ZOOKEEPER_DEFAULTS,
};

export class MemberOptionsError extends Error {
  readonly code = 'LODESTONE_INVALID_OPTIONS';
  constructor(message: string) {
    super(message);
    this.name = 'MemberOptionsError';
  }
}

export interface InitialMember {
  readonly name: string;
  readonly peerUrls: readonly string[];
}

/** Parses "a=http://h:2380,b=http://h:22380,a=http://other:2380" into members (a name may repeat). */
export function parseInitialCluster(s: string): InitialMember[] {
  const byName = new Map<string, string[]>();
  for (const part of s.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new MemberOptionsError(`--initial-cluster: "${part}" is not name=url`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    checkUrl(url, '--initial-cluster');
    const urls = byName.get(name) ?? [];
    urls.push(url);
    byName.set(name, urls);
  }
  if (byName.size === 0) throw new MemberOptionsError('--initial-cluster is empty');
  return [...byName].map(([name, peerUrls]) => ({ name, peerUrls }));
}

export function checkUrl(url: string, flag: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MemberOptionsError(`${flag}: "${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new MemberOptionsError(`${flag}: "${url}" must be http:// or https://`);
  if (!u.port) throw new MemberOptionsError(`${flag}: "${url}" must name a port`);
  return u;
}

/** "http://127.0.0.1:2379" → "127.0.0.1:2379", the form gRPC binds and dials. */
export function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port}`;
}

export function validateOptions(o: MemberOptions): void {
  if (!o.name) throw new MemberOptionsError('--name must not be empty');
  if (!o.dataDir) throw new MemberOptionsError('--data-dir must not be empty');
  for (const [flag, urls] of [
    ['--listen-client-urls', o.listenClientUrls],
    ['--advertise-client-urls', o.advertiseClientUrls],
    ['--listen-peer-urls', o.listenPeerUrls],
    ['--initial-advertise-peer-urls', o.initialAdvertisePeerUrls],
  ] as const) {
    if (urls.length === 0) throw new MemberOptionsError(`${flag} must list at least one URL`);
    for (const u of urls) checkUrl(u, flag);
  }
  for (const u of o.listenMetricsUrls) checkUrl(u, '--listen-metrics-urls');
  for (const u of o.listenConsoleUrls) checkUrl(u, '--listen-console-urls');
  if (o.initialClusterState !== 'new' && o.initialClusterState !== 'existing') {
    throw new MemberOptionsError(`--initial-cluster-state must be "new" or "existing", not "${String(o.initialClusterState)}"`);
  }
  if (!(o.heartbeatInterval > 0)) throw new MemberOptionsError('--heartbeat-interval must be positive');
  if (!(o.electionTimeout >= 5 * o.heartbeatInterval)) {
    throw new MemberOptionsError('--election-timeout should be at least 5 times --heartbeat-interval');
  }
  if (!(o.snapshotCount > 0)) throw new MemberOptionsError('--snapshot-count must be positive');
  if (!Number.isSafeInteger(o.quotaBackendBytes)) throw new MemberOptionsError('--quota-backend-bytes must be a whole number of bytes');
  if (!(o.maxRequestBytes > 0)) throw new MemberOptionsError('--max-request-bytes must be positive');
  if (!(o.watchProgressNotifyIntervalMs > 0)) throw new MemberOptionsError('--experimental-watch-progress-notify-interval must be positive');
  if (!(o.autoCompactionRevisionCheckIntervalMs > 0)) throw new MemberOptionsError('the auto-compaction check interval must be positive');
  try {
    parseCompactionRetention(o.autoCompactionMode, o.autoCompactionRetention);
  } catch (e) {
    if (e instanceof CompactionRetentionError) throw new MemberOptionsError(e.message);
    throw e;
  }
  validateTls(o);
  try {
    validateDnsOptions(o);
    validateZooKeeperOptions(o);
  } catch (e) {
    throw new MemberOptionsError((e as Error).message);
  }
  const members = parseInitialCluster(o.initialCluster);
  const self = members.find((m) => m.name === o.name);
  if (!self) throw new MemberOptionsError(`--initial-cluster has no entry for --name "${o.name}"`);
  const advertised = [...o.initialAdvertisePeerUrls].sort().join(',');
  if ([...self.peerUrls].sort().join(',') !== advertised) {
    throw new MemberOptionsError(
      `--initial-cluster has ${o.name}=${self.peerUrls.join(',')} but --initial-advertise-peer-urls is ${o.initialAdvertisePeerUrls.join(',')}`,
    );
  }
}

/** etcd's start-up checks of TLS: an https listen URL needs a certificate (or auto TLS). */
function validateTls(o: MemberOptions): void {
  for (const [certFlag, keyFlag, cert, key] of [
    ['--cert-file', '--key-file', o.certFile, o.keyFile],
    ['--peer-cert-file', '--peer-key-file', o.peerCertFile, o.peerKeyFile],
  ] as const) {
    if ((cert === '') !== (key === '')) throw new MemberOptionsError(`${certFlag} and ${keyFlag} must be given together`);
  }
  for (const url of o.listenClientUrls) {
    if (url.startsWith('https://') && o.certFile === '' && !o.autoTls) {
      throw new MemberOptionsError(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`);
    }
  }
  for (const url of o.listenMetricsUrls) {
    if (url.startsWith('https://') && o.certFile === '' && !o.autoTls) {
      throw new MemberOptionsError(`TLS key/cert (--cert-file, --key-file) must be provided for metrics url ${url} with HTTPS scheme`);
    }
  }
  for (const url of o.listenConsoleUrls) {
    if (url.startsWith('https://') && o.certFile === '' && !o.autoTls) {
      throw new MemberOptionsError(`TLS key/cert (--cert-file, --key-file) must be provided for console url ${url} with HTTPS scheme`);
    }
  }
  for (const url of o.listenPeerUrls) {
    if (url.startsWith('https://') && o.peerCertFile === '' && !o.peerAutoTls) {
      throw new MemberOptionsError(`TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url ${url} with HTTPS scheme`);
    }
  }
  try {
    checkTlsPolicy({ cipherSuites: o.cipherSuites, minVersion: o.tlsMinVersion });
  } catch (e) {
    if (e instanceof TlsError) throw new MemberOptionsError(e.message);
    throw e;
  }
}
