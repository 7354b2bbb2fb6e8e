// etcd's member flags, from three sources in rising precedence: a YAML config file (etcd's format,
// --config-file), LODESTONE_* environment variables (LODESTONE_DATA_DIR for --data-dir …), and the
// command line. Boolean flags are Go's: --client-cert-auth alone, or --client-cert-auth=false.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { isTlsVersionName, TLS_VERSION_NAMES } from '../rpc/tls-policy.js';
import { parseAuthTokenOptions } from './auth-token-options.js';
import { parseDuration } from './go-duration.js';
import { MEMBER_DEFAULTS, MemberOptionsError, type InitialClusterState, type MemberOptions } from './member-options.js';

type Kind = 'string' | 'urls' | 'number' | 'duration' | 'state' | 'bool' | 'list' | 'tls-version' | 'authToken';

interface FlagSpec {
  readonly flag: string;
  readonly key: keyof MemberOptions;
  readonly kind: Kind;
  readonly help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { flag: 'name', key: 'name', kind: 'string', help: 'Human-readable name for this member.' },
  { flag: 'data-dir', key: 'dataDir', kind: 'string', help: 'Path to the data directory.' },
  { flag: 'listen-client-urls', key: 'listenClientUrls', kind: 'urls', help: 'List of URLs to listen on for client traffic.' },
  { flag: 'advertise-client-urls', key: 'advertiseClientUrls', kind: 'urls', help: "List of this member's client URLs to advertise to the rest of the cluster." },
  { flag: 'listen-peer-urls', key: 'listenPeerUrls', kind: 'urls', help: 'List of URLs to listen on for peer traffic.' },
  { flag: 'initial-advertise-peer-urls', key: 'initialAdvertisePeerUrls', kind: 'urls', help: "List of this member's peer URLs to advertise to the rest of the cluster." },
  { flag: 'listen-metrics-urls', key: 'listenMetricsUrls', kind: 'urls', help: 'List of additional URLs to listen on that will respond to both the /metrics and /health endpoints.' },
  { flag: 'listen-console-urls', key: 'listenConsoleUrls', kind: 'urls', help: 'List of additional URLs to serve the web console on, a port of its own (the client URLs serve it at /ui/ too).' },
  { flag: 'initial-cluster', key: 'initialCluster', kind: 'string', help: 'Initial cluster configuration for bootstrapping (name=peerURL,…).' },
  { flag: 'initial-cluster-state', key: 'initialClusterState', kind: 'state', help: "Initial cluster state ('new' or 'existing')." },
  { flag: 'initial-cluster-token', key: 'initialClusterToken', kind: 'string', help: 'Initial cluster token for the cluster during bootstrap.' },
  { flag: 'heartbeat-interval', key: 'heartbeatInterval', kind: 'number', help: 'Time (in milliseconds) of a heartbeat interval.' },
  { flag: 'election-timeout', key: 'electionTimeout', kind: 'number', help: 'Time (in milliseconds) for an election to timeout.' },
  { flag: 'snapshot-count', key: 'snapshotCount', kind: 'number', help: 'Number of committed transactions to trigger a snapshot to disk.' },
  { flag: 'experimental-snapshot-catchup-entries', key: 'snapshotCatchUpEntries', kind: 'number', help: 'Number of entries kept in the log after a snapshot, for slow followers to catch up from.' },
  { flag: 'max-request-bytes', key: 'maxRequestBytes', kind: 'number', help: 'Maximum client request size in bytes the server will accept.' },
  { flag: 'quota-backend-bytes', key: 'quotaBackendBytes', kind: 'number', help: 'Raise the NOSPACE alarm when the backend would grow past this many bytes (0: the 2 GiB default; negative: no quota).' },
  { flag: 'max-txn-ops', key: 'maxTxnOps', kind: 'number', help: 'Maximum number of operations permitted in a transaction.' },
  { flag: 'experimental-watch-progress-notify-interval', key: 'watchProgressNotifyIntervalMs', kind: 'duration', help: 'Duration of periodical watch progress notification.' },
  { flag: 'auto-compaction-mode', key: 'autoCompactionMode', kind: 'string', help: "How --auto-compaction-retention is read: 'periodic' (a duration such as 30m; a bare number is hours) or 'revision' (a number of revisions)." },
  { flag: 'auto-compaction-retention', key: 'autoCompactionRetention', kind: 'string', help: 'History the leader keeps when it compacts the key-value store by itself; 0 turns auto-compaction off.' },
  { flag: 'auth-token', key: 'authToken', kind: 'authToken', help: "Specify a v3 authentication token type and its options ('simple' or 'jwt,pub-key=…,priv-key=…,sign-method=RS256|ES256|…,ttl=5m')." },
  { flag: 'auth-token-ttl', key: 'authTokenTtl', kind: 'number', help: 'Time (in seconds) a simple auth token lives without being used.' },
  { flag: 'log-level', key: 'logLevel', kind: 'string', help: "Log level: 'debug', 'info', 'warn', 'error' or 'silent'." },
  { flag: 'cert-file', key: 'certFile', kind: 'string', help: 'Path to the client server TLS cert file.' },
  { flag: 'key-file', key: 'keyFile', kind: 'string', help: 'Path to the client server TLS key file.' },
  { flag: 'client-cert-auth', key: 'clientCertAuth', kind: 'bool', help: 'Enable client cert authentication.' },
  { flag: 'client-crl-file', key: 'clientCrlFile', kind: 'string', help: 'Path to the client certificate revocation list file.' },
  { flag: 'trusted-ca-file', key: 'trustedCaFile', kind: 'string', help: 'Path to the client server TLS trusted CA cert file.' },
  { flag: 'auto-tls', key: 'autoTls', kind: 'bool', help: 'Client TLS using generated certificates.' },
  { flag: 'peer-cert-file', key: 'peerCertFile', kind: 'string', help: 'Path to the peer server TLS cert file.' },
  { flag: 'peer-key-file', key: 'peerKeyFile', kind: 'string', help: 'Path to the peer server TLS key file.' },
  { flag: 'peer-client-cert-auth', key: 'peerClientCertAuth', kind: 'bool', help: 'Enable peer client cert authentication.' },
  { flag: 'peer-trusted-ca-file', key: 'peerTrustedCaFile', kind: 'string', help: 'Path to the peer server TLS trusted CA file.' },
  { flag: 'peer-cert-allowed-cn', key: 'peerCertAllowedCn', kind: 'string', help: 'Required CN for client certs connecting to the peer endpoint.' },
  { flag: 'peer-auto-tls', key: 'peerAutoTls', kind: 'bool', help: 'Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided.' },
  { flag: 'peer-crl-file', key: 'peerCrlFile', kind: 'string', help: 'Path to the peer certificate revocation list file.' },
  { flag: 'cipher-suites', key: 'cipherSuites', kind: 'list', help: 'Comma-separated list of supported TLS cipher suites between client/server and peers (empty: the defaults).' },
  { flag: 'tls-min-version', key: 'tlsMinVersion', kind: 'tls-version', help: `Minimum TLS version supported: ${TLS_VERSION_NAMES.join(' or ')}.` },
  // The service registry's DNS interface (dns/).
  { flag: 'listen-dns-urls', key: 'listenDnsUrls', kind: 'list', help: 'Comma-separated host:port addresses to serve the service registry over DNS on, UDP and TCP each (none: no DNS).' },
  { flag: 'dns-domain', key: 'dnsDomain', kind: 'string', help: "The domain DNS answers for: <service>.service.<domain> ('consul.' answers as Consul's DNS does)." },
  { flag: 'dns-only-passing', key: 'dnsOnlyPassing', kind: 'bool', help: 'DNS answers passing instances only; --dns-only-passing=false answers warning ones too.' },
  // ZooKeeper's client protocol (zookeeper/).
  { flag: 'listen-zookeeper-urls', key: 'listenZookeeperUrls', kind: 'list', help: "Comma-separated host:port addresses to serve ZooKeeper's client protocol on, over the same keys (none: no ZooKeeper interface)." },
  { flag: 'zookeeper-registry-bridge', key: 'zookeeperRegistryBridge', kind: 'bool', help: "With --listen-zookeeper-urls: znodes /services/<service>/<id> naming an address and port show as registry instances, and registry instances as such znodes (the leader keeps them in step)." },
  { flag: 'zookeeper-super-digest', key: 'zookeeperSuperDigest', kind: 'string', help: "A digest id (user:base64(sha1(user:password))) whose addauth bypasses every ACL, as ZooKeeper's zookeeper.DigestAuthenticationProvider.superDigest." },
  { flag: 'zookeeper-registry-bridge-path', key: 'zookeeperRegistryBridgePath', kind: 'string', help: "The znode the registry bridge mirrors services under, as a Curator ServiceDiscovery's basePath ('/services' by default)." },
];

/** etcd's config file keeps TLS settings in two sections; each key there is one of our flags. */
const TLS_SECTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'client-transport-security': {
    'cert-file': 'cert-file',
    'key-file': 'key-file',
    'client-cert-auth': 'client-cert-auth',
    'trusted-ca-file': 'trusted-ca-file',
    'auto-tls': 'auto-tls',
    'crl-file': 'client-crl-file',
  },
  'peer-transport-security': {
    'cert-file': 'peer-cert-file',
    'key-file': 'peer-key-file',
    'client-cert-auth': 'peer-client-cert-auth',
    'trusted-ca-file': 'peer-trusted-ca-file',
    'auto-tls': 'peer-auto-tls',
    'crl-file': 'peer-crl-file',
    'allowed-cn': 'peer-cert-allowed-cn',
  },
};

/** Go's strconv.ParseBool, which etcd's boolean flags use. */
function parseBool(raw: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  return undefined;
}

export interface ParsedCommandLine {
  readonly options: MemberOptions;
  readonly help: boolean;
  readonly version: boolean;
}

export { parseDuration } from './go-duration.js';

type Raw = Partial<Record<keyof MemberOptions, string>>;

/** Milliseconds as the largest whole Go unit: 600000 → "10m". */
function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function envName(flag: string): string {
  return `LODESTONE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function convert(spec: FlagSpec, raw: string, source: string): MemberOptions[keyof MemberOptions] {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'urls':
      return raw.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new MemberOptionsError(`${source} --${spec.flag}: "${raw}" is not a number`);
      return n;
    }
    case 'duration': {
      // etcd's config file holds a duration as a number of nanoseconds.
      const ms = source === 'config file' && /^\d+$/.test(raw) ? Number(raw) / 1e6 : parseDuration(raw);
      if (ms === undefined) throw new MemberOptionsError(`${source} --${spec.flag}: "${raw}" is not a duration (e.g. 10m, 500ms)`);
      return ms;
    }
    case 'authToken':
      try {
        return parseAuthTokenOptions(raw);
      } catch (e) {
        throw new MemberOptionsError(`${source} --${spec.flag}: ${(e as Error).message}`);
      }
    case 'state':
      if (raw !== 'new' && raw !== 'existing') throw new MemberOptionsError(`${source} --${spec.flag}: must be "new" or "existing"`);
      return raw as InitialClusterState;
    case 'bool': {
      const b = parseBool(raw);
      if (b === undefined) throw new MemberOptionsError(`${source} --${spec.flag}: "${raw}" is not true or false`);
      return b;
    }
    case 'list':
      return raw.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
    case 'tls-version':
      if (!isTlsVersionName(raw)) throw new MemberOptionsError(`${source} --${spec.flag}: unexpected TLS version "${raw}" (must be one of: ${TLS_VERSION_NAMES.join(', ')})`);
      return raw;
  }
}

/** Moves Go-style "--bool-flag=value" out of argv (parseArgs takes no value for a boolean). */
function takeBoolValues(argv: readonly string[]): { args: string[]; given: Map<string, string> } {
  const bools = new Set(FLAGS.filter((f) => f.kind === 'bool').map((f) => f.flag));
  const args: string[] = [];
  const given = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--?([a-z0-9-]+)=(.*)$/.exec(arg);
    if (m && bools.has(m[1]!)) given.set(m[1]!, m[2]!);
    else args.push(arg);
  }
  return { args, given };
}

function setFromFile(out: Raw, flag: string, v: unknown): void {
  const spec = FLAGS.find((f) => f.flag === flag);
  if (!spec || v === null || v === undefined) return;
  out[spec.key] = Array.isArray(v) ? v.join(',') : String(v);
}

function fromConfigFile(path: string): Raw {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new MemberOptionsError(`--config-file ${path}: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object') throw new MemberOptionsError(`--config-file ${path}: expected a mapping of flag names to values`);
  const out: Raw = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const section = TLS_SECTIONS[k];
    if (section && v !== null && typeof v === 'object') {
      for (const [sk, sv] of Object.entries(v as Record<string, unknown>)) if (section[sk]) setFromFile(out, section[sk], sv);
      continue;
    }
    // etcd's other settings (quotas, …) are not ours yet.
    setFromFile(out, k, v);
  }
  return out;
}

/** Builds member options from argv (without node and script), the environment and a config file. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCommandLine {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
    'config-file': { type: 'string' },
  };
  for (const f of FLAGS) spec[f.flag] = { type: f.kind === 'bool' ? 'boolean' : 'string' };
  const { args, given } = takeBoolValues(argv);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new MemberOptionsError(`${(e as Error).message} (see --help)`);
  }
  for (const [flag, raw] of given) values[flag] = raw;
  for (const f of FLAGS) if (values[f.flag] === true) values[f.flag] = 'true';
  const configFile = (values['config-file'] as string | undefined) ?? env[envName('config-file')];
  const fromFile = configFile ? fromConfigFile(configFile) : {};
  const merged: Record<string, unknown> = { ...MEMBER_DEFAULTS };
  for (const f of FLAGS) {
    const cli = values[f.flag];
    const envValue = env[envName(f.flag)];
    const raw = typeof cli === 'string' ? cli : envValue !== undefined ? envValue : fromFile[f.key];
    if (raw === undefined) continue;
    const source = typeof cli === 'string' ? 'flag' : envValue !== undefined ? envName(f.flag) : 'config file';
    merged[f.key] = convert(f, raw, source);
  }
  // As in etcd: a member named differently gets its own default data dir and initial cluster.
  const options = merged as unknown as MemberOptions;
  const explicit = (key: keyof MemberOptions, flag: string): boolean =>
    typeof values[flag] === 'string' || env[envName(flag)] !== undefined || fromFile[key] !== undefined;
  const adjusted: MemberOptions = {
    ...options,
    dataDir: explicit('dataDir', 'data-dir') ? options.dataDir : `${options.name}.etcd`,
    initialCluster: explicit('initialCluster', 'initial-cluster')
      ? options.initialCluster
      : `${options.name}=${options.initialAdvertisePeerUrls.join(`,${options.name}=`)}`,
  };
  return { options: adjusted, help: values.help === true, version: values.version === true };
}

/** The member's flags, each with its default and environment variable: `lodestone member --help` lists them. */
export function flagsHelp(): string {
  const lines = ['Member flags (etcd\'s names; also LODESTONE_* variables, or a --config-file):'];
  for (const f of FLAGS) {
    const def = MEMBER_DEFAULTS[f.key];
    const shown = Array.isArray(def)
      ? def.join(',')
      : f.kind === 'duration'
        ? formatDuration(Number(def))
        : f.kind === 'authToken'
          ? 'simple'
          : String(def);
    lines.push(`  --${f.flag}${f.kind === 'bool' ? '' : ' <value>'}`, `      ${f.help} (default: ${f.flag === 'data-dir' ? '${name}.etcd' : shown}; env ${envName(f.flag)})`);
  }
  lines.push('  --config-file', '      Path to a YAML file of the flags above, keyed by flag name (env LODESTONE_CONFIG_FILE).');
  return lines.join('\n');
}

export function usage(): string {
  const lines = ['Usage: lodestone member [flags]', '', 'A Raft-replicated key-value store speaking the etcd v3 API.', '', flagsHelp()];
  lines.push('  --help, -h', '      Show this help.', '  --version', '      Print the version.');
  return lines.join('\n');
}
