// `lodestone bench [workload…]` (also `npm run bench -- …`): the benchmark tool. Workloads run
// against a fresh 3-member Lodestone, a running cluster (--endpoints) or, with --against etcd, a
// fresh Lodestone beside a real etcd in alternating rounds; without a workload, the performance target
// set and its targets table. The earlier suites (raft, cluster, gateway, defrag) run by name.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULTS,
  parseDuration,
  SUITE_NAMES,
  WORKLOAD_ALIASES,
  WORKLOAD_SUMMARIES,
  workloadName,
  type BenchEntry,
  type BenchOptions,
  type Placement,
  type SuiteName,
  type WorkloadName,
} from './bench-options.js';

function count(raw: string): number {
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Not a whole number.');
  return n;
}

function positive(raw: string): number {
  const n = count(raw);
  if (n === 0) throw new InvalidArgumentError('Must be at least 1.');
  return n;
}

function seconds(raw: string): number {
  try {
    return parseDuration(raw);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function ratio(raw: string): number {
  const n = Number(raw);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('A fraction from 0 to 1.');
  return n;
}

interface Flags {
  endpoints?: string;
  against?: 'etcd' | 'zookeeper';
  conns: number;
  clients: number;
  duration: number;
  total?: number;
  rounds: number;
  warmUp: number;
  json: boolean;
  target: Placement;
  keySpace: number;
  keySize: number;
  valSize: number;
  consistency: 'l' | 's';
  prefix: boolean;
  txnOps: number;
  readRatio: number;
  watchers: number;
  putRate: number;
  leases: number;
  keys: number;
  members: number;
  cpuProf?: string;
  instances: number;
  services: number;
  maxInterval: number;
  flips: number;
  tls: boolean;
  auth: boolean;
}

function benchOptions(f: Flags): BenchOptions {
  return {
    ...(f.endpoints ? { endpoints: f.endpoints.split(',').map((e) => e.trim().replace(/^https?:\/\//, '')).filter(Boolean) } : {}),
    ...(f.against ? { against: f.against } : {}),
    ...(f.total !== undefined ? { total: f.total } : {}),
    ...(f.cpuProf ? { cpuProf: f.cpuProf } : {}),
    conns: f.conns,
    clients: f.clients,
    durationS: f.duration,
    rounds: f.rounds,
    warmUpS: f.warmUp,
    json: f.json,
    target: f.target,
    keySpace: f.keySpace,
    keySize: f.keySize,
    valSize: f.valSize,
    consistency: f.consistency,
    prefix: f.prefix,
    txnOps: f.txnOps,
    readRatio: f.readRatio,
    watchers: f.watchers,
    putRate: f.putRate,
    leases: f.leases,
    keys: f.keys,
    members: f.members,
    instances: f.instances,
    services: f.services,
    maxIntervalS: f.maxInterval,
    flips: f.flips,
  };
}

/**
 * The tool itself, from the sources beside this file (bench/ is part of a checkout, not of the
 * build: it starts members through tsx). The path is computed, so the build does not follow it.
 */
async function loadEntry(): Promise<BenchEntry> {
  const here = fileURLToPath(import.meta.url);
  const url = new URL(`../bench/entry${extname(here)}`, import.meta.url);
  try {
    return ((await import(url.href)) as { entry: BenchEntry }).entry;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && extname(here) === '.js') {
      throw new InvalidArgumentError('the benchmark tool runs from a checkout of the sources: npm run bench -- …');
    }
    throw e;
  }
}

async function runWorkloads(names: readonly string[], f: Flags): Promise<void> {
  if (f.endpoints && f.against) throw new InvalidArgumentError('--endpoints measures a running cluster; --against starts fresh ones: give one of them');
  const unknown = names.filter((n) => !workloadName(n));
  if (unknown.length > 0) {
    const known = [...Object.keys(WORKLOAD_SUMMARIES), ...Object.keys(WORKLOAD_ALIASES), ...SUITE_NAMES];
    throw new InvalidArgumentError(`unknown workload ${unknown.join(', ')}; one of: ${known.join(', ')}`);
  }
  const workloads: WorkloadName[] = names.map((n) => workloadName(n)!);
  await (await loadEntry()).runWorkloads(workloads, benchOptions(f));
}

async function runSuites(names: readonly SuiteName[], f: Flags): Promise<void> {
  const others = names.filter((n) => n !== 'cluster');
  if ((f.tls || f.auth) && others.length > 0) throw new InvalidArgumentError(`--tls and --auth are options of the cluster suite only, not of ${others.join(', ')}`);
  await (await loadEntry()).runSuites(names, { tls: f.tls, auth: f.auth });
}

function isSuite(name: string): name is SuiteName {
  return (SUITE_NAMES as readonly string[]).includes(name);
}

export function benchCommand(): Command {
  const d = DEFAULTS;
  return new Command('bench')
    .summary('benchmark a cluster, or Lodestone beside a real etcd')
    .description(
      'Measures workloads (ops/s, p50/p90/p99/max) on a fresh 3-member Lodestone, on a running cluster (--endpoints), or on a fresh Lodestone beside a ' +
        'fresh real etcd 3.4 (--against etcd), both up at once, rounds alternating. Without a workload: the performance target set and a targets table.',
    )
    .addHelpText(
      'after',
      `\nWorkloads:\n${Object.entries(WORKLOAD_SUMMARIES).map(([name, about]) => `  ${name.padEnd(16)}${about}`).join('\n')}\n` +
        `Suites (their own settings, see the README): ${SUITE_NAMES.join(', ')}`,
    )
    .argument('[workloads...]', 'workloads (or suites) to run; none: the target set')
    .option('--endpoints <list>', 'run against this running cluster (host:port,…) instead of starting one')
    .addOption(new Option('--against <system>', 'start a real etcd (or, for the zookeeper workload, a real ZooKeeper ensemble) beside a fresh Lodestone and compare').choices(['etcd', 'zookeeper']))
    .addOption(new Option('--conns <n>', 'gRPC connections (0: one per member requests go to)').argParser(count).default(d.conns))
    .addOption(new Option('--clients <n>', 'requests in flight').argParser(positive).default(d.clients))
    .addOption(new Option('--duration <time>', 'length of a round (10s, 500ms, 2m)').argParser(seconds).default(d.durationS, `${d.durationS}s`))
    .addOption(new Option('--total <n>', 'requests per round instead of a duration; config-delivery: changes per round (10)').argParser(positive))
    .addOption(new Option('--rounds <n>', 'rounds per workload and system').argParser(positive).default(d.rounds))
    .addOption(new Option('--warm-up <time>', 'puts with 64 in flight each system gets first').argParser(seconds).default(d.warmUpS, `${d.warmUpS}s`))
    .option('--json', 'the result as JSON on stdout, nothing else there', false)
    .addOption(new Option('--target <where>', 'where requests go').choices(['leader', 'follower', 'all']).default(d.target))
    .addOption(new Option('--key-space <n>', 'distinct keys written and read').argParser(positive).default(d.keySpace))
    .addOption(new Option('--key-size <n>', 'bytes of a key after its prefix').argParser(positive).default(d.keySize))
    .addOption(new Option('--val-size <n>', 'bytes of a value').argParser(positive).default(d.valSize))
    .addOption(new Option('--consistency <l|s>', 'range: linearizable or serializable').choices(['l', 's']).default(d.consistency))
    .option('--prefix', 'range: ten keys sharing a prefix instead of one key', false)
    .addOption(new Option('--txn-ops <n>', 'txn-put: puts per transaction').argParser(positive).default(d.txnOps))
    .addOption(new Option('--read-ratio <r>', 'mixed: the fraction of requests that read').argParser(ratio).default(d.readRatio))
    .addOption(new Option('--watchers <n>', 'watch, registry, registry-scale: watchers; config-delivery: subscriptions').argParser(positive).default(d.watchers))
    .addOption(new Option('--put-rate <n>', 'watch, registry: puts per second (0: as fast as --clients allow)').argParser(count).default(d.putRate))
    .addOption(new Option('--leases <n>', 'lease-keepalive, registry: leases; dns: instances registered').argParser(positive).default(d.leases))
    .addOption(new Option('--keys <n>', 'memory, restart: keys loaded first').argParser(positive).default(d.keys))
    .addOption(new Option('--members <n>', 'members of the clusters the tool starts').argParser(positive).default(d.members))
    .addOption(new Option('--instances <n>', 'registry-scale, ttl-reports: instances registered').argParser(positive).default(d.instances))
    .addOption(new Option('--services <n>', 'registry-scale, ttl-reports: services they belong to').argParser(positive).default(d.services))
    .addOption(new Option('--max-interval <time>', 'registry-scale: longest check interval / TTL (spread from 1 s); ttl-reports: the TTL').argParser(seconds).default(d.maxIntervalS, `${d.maxIntervalS}s`))
    .addOption(new Option('--flips <n>', 'registry-scale: health endpoints turned off to time their disappearance').argParser(positive).default(d.flips))
    .option('--cpu-prof <dir>', "profile the Lodestone members it starts (Node's --cpu-prof) into this folder")
    .option('--tls', 'cluster suite: mutual TLS on both clusters', false)
    .option('--auth', 'cluster suite: auth enabled on both clusters', false)
    .action(async (names: string[], flags: Flags, self: Command) => {
      try {
        const suites = names.filter(isSuite);
        if (suites.length > 0 || flags.tls || flags.auth) {
          if (suites.length === 0 && names.length > 0) throw new InvalidArgumentError(`--tls and --auth are options of the cluster suite only, not of ${names.join(', ')}`);
          if (suites.length !== names.length) throw new InvalidArgumentError('suites and workloads cannot be mixed in one run');
          await runSuites(suites.length > 0 ? suites : ['cluster'], flags);
          return;
        }
        await runWorkloads(names, flags);
      } catch (e) {
        // A usage mistake: commander's message and exit code, not a stack trace.
        if (e instanceof InvalidArgumentError) self.error(`error: ${e.message}`, { exitCode: 2 });
        throw e;
      }
    });
}
