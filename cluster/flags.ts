// etcd's member flags, from three sources in rising precedence: a YAML config file (etcd's format,
// --config-file), LODESTONE_* environment variables (LODESTONE_DATA_DIR for --data-dir …), and the
// command line.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { parseAuthTokenOptions } from './auth-token-options.js';
import { MEMBER_DEFAULTS, MemberOptionsError, type InitialClusterState, type MemberOptions } from './member-options.js';

type Kind = 'string' | 'urls' | 'number' | 'duration' | 'state' | 'authToken';

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
  { flag: 'initial-cluster', key: 'initialCluster', kind: 'string', help: 'Initial cluster configuration for bootstrapping (name=peerURL,…).' },
  { flag: 'initial-cluster-state', key: 'initialClusterState', kind: 'state', help: "Initial cluster state ('new' or 'existing')." },
  { flag: 'initial-cluster-token', key: 'initialClusterToken', kind: 'string', help: 'Initial cluster token for the cluster during bootstrap.' },
  { flag: 'heartbeat-interval', key: 'heartbeatInterval', kind: 'number', help: 'Time (in milliseconds) of a heartbeat interval.' },
  { flag: 'election-timeout', key: 'electionTimeout', kind: 'number', help: 'Time (in milliseconds) for an election to timeout.' },
  { flag: 'snapshot-count', key: 'snapshotCount', kind: 'number', help: 'Number of committed transactions to trigger a snapshot to disk.' },
  { flag: 'experimental-snapshot-catchup-entries', key: 'snapshotCatchUpEntries', kind: 'number', help: 'Number of entries kept in the log after a snapshot, for slow followers to catch up from.' },
  { flag: 'max-request-bytes', key: 'maxRequestBytes', kind: 'number', help: 'Maximum client request size in bytes the server will accept.' },
  { flag: 'max-txn-ops', key: 'maxTxnOps', kind: 'number', help: 'Maximum number of operations permitted in a transaction.' },
  { flag: 'experimental-watch-progress-notify-interval', key: 'watchProgressNotifyIntervalMs', kind: 'duration', help: 'Duration of periodical watch progress notification.' },
  { flag: 'auth-token', key: 'authToken', kind: 'authToken', help: "Specify a v3 authentication token type and its options ('simple' or 'jwt,pub-key=…,priv-key=…,sign-method=RS256|ES256|…,ttl=5m')." },
  { flag: 'auth-token-ttl', key: 'authTokenTtl', kind: 'number', help: 'Time (in seconds) a simple auth token lives without being used.' },
  { flag: 'log-level', key: 'logLevel', kind: 'string', help: "Log level: 'debug', 'info', 'warn', 'error' or 'silent'." },
];

export interface ParsedCommandLine {
  readonly options: MemberOptions;
  readonly help: boolean;
  readonly version: boolean;
}

type Raw = Partial<Record<keyof MemberOptions, string>>;

/** Milliseconds per unit of a Go duration. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as etcd's flags take it ("10m", "1m30s", "250ms", "0") in milliseconds; undefined if it is not one. */
export function parseDuration(raw: string): number | undefined {
  if (raw === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < raw.length) {
    part.lastIndex = at;
    const m = part.exec(raw);
    if (!m) return undefined;
    ms += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = part.lastIndex;
  }
  return raw.length > 0 ? ms : undefined;
}

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
  }
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
    const spec = FLAGS.find((f) => f.flag === k);
    if (!spec) continue; // etcd's other settings (TLS, quotas, …) are not ours yet
    out[spec.key] = Array.isArray(v) ? v.join(',') : String(v);
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
  for (const f of FLAGS) spec[f.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: spec, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new MemberOptionsError(`${(e as Error).message} (see --help)`);
  }
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

export function usage(): string {
  const lines = ['Usage: lodestone [flags]', '', 'A Raft-replicated key-value store speaking the etcd v3 API.', '', 'Member flags:'];
  for (const f of FLAGS) {
    const def = MEMBER_DEFAULTS[f.key];
    const shown = Array.isArray(def)
      ? def.join(',')
      : f.kind === 'duration'
        ? formatDuration(Number(def))
        : f.kind === 'authToken'
          ? 'simple'
          : String(def);
    lines.push(`  --${f.flag}`, `      ${f.help} (default: ${f.flag === 'data-dir' ? '${name}.etcd' : shown}; env ${envName(f.flag)})`);
  }
  lines.push('  --config-file', '      Path to a YAML file of the flags above, keyed by flag name (env LODESTONE_CONFIG_FILE).');
  lines.push('  --help, -h', '      Show this help.', '  --version', '      Print the version.');
  return lines.join('\n');
}
