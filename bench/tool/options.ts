// What every workload may be told: the common flags of `lodestone bench` and each workload's own.
export type Placement = 'leader' | 'follower' | 'all';

export interface BenchOptions {
  /** Run against this running cluster ("host:port" each) instead of starting one. */
  readonly endpoints?: readonly string[];
  /** Start a real etcd beside a fresh Lodestone and compare. */
  readonly against?: 'etcd';
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
};

/** "10s", "500ms", "2m" or a bare number of seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new Error(`not a duration: ${raw} (try 10s, 500ms, 2m)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}
