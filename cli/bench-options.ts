// What every workload of `lodestone bench` may be told (the common flags and each workload's own),
// the names it knows, and what the command asks of the tool.
export type Placement = 'leader' | 'follower' | 'all';

export interface BenchOptions {
  /** Run against this running cluster ("host:port" each) instead of starting one. */
  readonly endpoints?: readonly string[];
  /** Start a real etcd beside a fresh Lodestone and compare. */
  readonly against?: 'etcd' | 'zookeeper';
  /** gRPC connections (0: one per endpoint the requests go to). */
  readonly conns: number;
  /** Requests in flight. */
  readonly clients: number;
  /** Seconds per round, unless `total` is set. */
  readonly durationS: number;
  /** Requests per round instead of a duration. */
  readonly total?: number;
  readonly rounds: number;
  /** Seconds of puts with 64 in flight each system gets before the first round. */
  readonly warmUpS: number;
  readonly json: boolean;
  readonly target: Placement;
  readonly keySpace: number;
  readonly keySize: number;
  readonly valSize: number;
  readonly consistency: 'l' | 's';
  readonly prefix: boolean;
  readonly txnOps: number;
  readonly readRatio: number;
  readonly watchers: number;
  /** Puts per second while watchers listen (0: as fast as `clients` allow). */
  readonly putRate: number;
  readonly leases: number;
  /** Keys the memory and restart workloads load. */
  readonly keys: number;
  /** Members of the clusters the tool starts. */
  readonly members: number;
  /** Profile the Lodestone members it starts (Node's --cpu-prof) into this folder. */
  readonly cpuProf?: string;
  /** registry-scale: instances registered (half HTTP checks, half TTL checks). */
  readonly instances: number;
  /** registry-scale: services the instances are spread over. */
  readonly services: number;
  /** registry-scale: the longest check interval or TTL; they are spread from 1 s (TTLs from 2 s) to it. */
  readonly maxIntervalS: number;
  /** registry-scale: instances whose health endpoint is turned off, a batch at a time. */
  readonly flips: number;
}

export const DEFAULTS: BenchOptions = {
  conns: 0,
  clients: 64,
  durationS: 5,
  rounds: 3,
  warmUpS: 5,
  json: false,
  target: 'all',
  keySpace: 10_000,
  keySize: 8,
  valSize: 256,
  consistency: 'l',
  prefix: false,
  txnOps: 1,
  readRatio: 0.9,
  watchers: 1000,
  putRate: 20,
  leases: 1000,
  keys: 1_000_000,
  members: 3,
  instances: 10_000,
  services: 500,
  maxIntervalS: 10,
  flips: 30,
};

/** "10s", "500ms", "2m" or a bare number of seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new Error(`not a duration: ${raw} (try 10s, 500ms, 2m)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

/** The workloads of `lodestone bench`, with the line --help gives each. */
export const WORKLOAD_SUMMARIES = {
  put: 'Put requests over --key-space keys of --key-size, values of --val-size',
  range: 'Range requests, linearizable or serializable (--consistency l|s), of one key or (--prefix) ten',
  'txn-put': 'Txn requests of --txn-ops puts each, without compares',
  mixed: 'Ranges and puts on one key space, --read-ratio of them reads',
  watch: 'watch fan-out: --watchers watchers of a prefix, put acknowledged → event delay',
  'lease-keepalive': 'keepalives of --leases leases, to the leader and through a follower',
  registry: 'many leased keys under 100 service prefixes, many prefix watchers; re-registration → event delay',
  dns: "the registry's DNS interface on one member: A and SRV queries/s over UDP with --leases instances registered",
  memory: 'resident memory per member idle and with --keys keys; disk bytes per key',
  'registry-scale':
    'Lodestone only (etcd has no health checks): --instances instances of --services services with HTTP and TTL checks, --watchers discover() watchers; ' +
    'registration rate, CPU/RSS per member, endpoint down → gone from watchers and DNS, DNS queries/s, checks moving off a killed member',
  'ttl-reports':
    "Lodestone only: TTL reports/s (check pass through Consul's API) with --instances TTL checks registered, --clients in flight to --target; writes/s meanwhile",
  restart: 'a follower with --keys keys restarted after SIGTERM and after kill -9: seconds until serving again',
  zookeeper:
    "ZooKeeper's client protocol: creates of new znodes (--val-size) and getData of --key-space znodes, --clients in flight; " +
    'with --against zookeeper, a real ZooKeeper 3.8 ensemble of --members servers beside',
  'config-delivery':
    'config center: --watchers subscribeConfig() subscriptions and one `lodestone exec`; --total publishes a round (default 10) over HTTP, ' +
    'publish answered → every snapshot, → the restarted program, → one plain watcher and → one subscription in its own process; ' +
    'etcd: --watchers watchers of the live key, put acknowledged → event',
} as const;

export type WorkloadName = keyof typeof WORKLOAD_SUMMARIES;

/** Names the earlier suites had, kept: `npm run bench -- lease` is the lease-keepalive workload. */
export const WORKLOAD_ALIASES: Readonly<Record<string, WorkloadName>> = { lease: 'lease-keepalive' };

/** The workload a command-line name (or an earlier suite's name) stands for. */
export function workloadName(name: string): WorkloadName | undefined {
  const resolved = WORKLOAD_ALIASES[name] ?? name;
  return resolved in WORKLOAD_SUMMARIES ? (resolved as WorkloadName) : undefined;
}

/** The earlier suites that are not workloads: they keep their names and their own settings. */
export const SUITE_NAMES = ['raft', 'cluster', 'gateway', 'defrag'] as const;

export type SuiteName = (typeof SUITE_NAMES)[number];

export interface SuiteFlags {
  readonly tls: boolean;
  readonly auth: boolean;
}

/**
 * What bench/entry.ts gives the command. The command loads it only to run, by a path of its own:
 * the tool starts members from the sources (tsx), so it is part of a checkout, not of the build.
 */
export interface BenchEntry {
  /** Runs workloads by name; none: the target set and its targets table. */
  runWorkloads(names: readonly WorkloadName[], options: BenchOptions): Promise<void>;
  runSuites(names: readonly SuiteName[], flags: SuiteFlags): Promise<void>;
}
