// npm run jepsen -- --time 600 --nemesis all [--members 3|5] [--clients N] [--seed N] [--tls]
//
// Runs the workload against a fresh local cluster under the chosen faults, then writes to
// jepsen-results/<timestamp>/: history.jsonl (every operation), nemesis.jsonl (every fault, when),
// summary.json, summary.txt, run.log (the progress printed) and the members' last log lines.
// Prints the summary; exits 1 when an anomaly was found, 2 when the check was inconclusive.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAULT_GROUPS, FAULT_KINDS, parseFaultKinds } from './nemesis.js';
import { resultsDir, writeResults } from './results.js';
import { formatSummary, runJepsen } from './runner.js';

const HELP = `usage: npm run jepsen -- [options]

  --time <s>             seconds of workload under faults (default 60)
  --nemesis <list>       comma-separated faults or groups (default all)
                           groups: ${Object.keys(FAULT_GROUPS).join(', ')}
                           faults: ${FAULT_KINDS.join(', ')}
  --members <3|5>        cluster size (default 3)
  --clients <n>          concurrent clients (default 12)
  --seed <n>             seed of the fault schedule and the operations (default: random)
  --keys <n>             keys in use at once (default 4)
  --ops-per-key <n>      operations on a key before moving to a fresh one (default 250)
  --timeout <ms>         client deadline per request (default 3000)
  --watch-streams <n>    Watch streams of the watch workload, 4 watches each (default 3; 0: no watchers)
  --quiet <min,max>      ms the cluster is left alone between faults (default 1000,4000)
  --hold <min,max>       ms a fault lasts (default 3000,8000)
  --snapshot-count <n>   members' --snapshot-count (default 2000, so restarted members catch up by snapshot too)
  --implementation <x>   lodestone (default) or etcd (kill and pause faults only)
  --tls                  mutual TLS: a throwaway CA, https client and peer URLs, members that want
                           a client certificate from clients and peers; every client dials with one
  --out <dir>            results folder (default jepsen-results/<timestamp>)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '60' },
      nemesis: { type: 'string', default: 'all' },
      members: { type: 'string', default: '3' },
      clients: { type: 'string', default: '12' },
      seed: { type: 'string' },
      keys: { type: 'string', default: '4' },
      'ops-per-key': { type: 'string', default: '250' },
      timeout: { type: 'string', default: '3000' },
      'watch-streams': { type: 'string', default: '3' },
      'snapshot-count': { type: 'string', default: '2000' },
      quiet: { type: 'string', default: '1000,4000' },
      hold: { type: 'string', default: '3000,8000' },
      implementation: { type: 'string', default: 'lodestone' },
      tls: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${v}`);
    return n;
  };
  const members = int('members', values.members, 1);
  if (members !== 3 && members !== 5) throw new Error('--members must be 3 or 5');
  const implementation = values.implementation;
  if (implementation !== 'lodestone' && implementation !== 'etcd') throw new Error('--implementation must be lodestone or etcd');
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('seed', values.seed, 0);
  const snapshotCount = int('snapshot-count', values['snapshot-count'], 1);
  const span = (name: string, v: string): [number, number] => {
    const [lo, hi] = v.split(',').map((x) => int(name, x.trim(), 0));
    if (lo === undefined || hi === undefined || hi < lo) throw new Error(`--${name} takes min,max in ms, not ${v}`);
    return [lo, hi];
  };
  const timing = { quietMs: span('quiet', values.quiet), faultMs: span('hold', values.hold) };
  const watchStreams = int('watch-streams', values['watch-streams'], 0);
  const out = values.out ?? resultsDir();
  const progress: string[] = [];

  const result = await runJepsen({
    timeS: int('time', values.time, 1),
    members,
    nemeses: parseFaultKinds(values.nemesis),
    seed,
    implementation,
    timing,
    tls: values.tls,
    memberArgs: [
      '--snapshot-count',
      String(snapshotCount),
      // etcd 3.4 has no such flag (it keeps 5,000 entries).
      ...(implementation === 'lodestone' ? ['--experimental-snapshot-catchup-entries', String(Math.max(1, Math.floor(snapshotCount / 4)))] : []),
    ],
    kv: {
      clients: int('clients', values.clients, 1),
      keys: int('keys', values.keys, 1),
      opsPerKey: int('ops-per-key', values['ops-per-key'], 1),
      timeoutMs: int('timeout', values.timeout, 1),
    },
    ...(watchStreams > 0 ? { watch: { streams: watchStreams } } : {}),
    log: (line) => {
      progress.push(line);
      process.stdout.write(`${line}\n`);
    },
  });

  await writeResults(out, result);
  await writeFile(join(out, 'run.log'), `${progress.join('\n')}\n`);
  const text = formatSummary(result.summary);
  process.stdout.write(`\n${text}\n\nresults: ${out}\n`);
  return result.summary.verdict === 'pass' ? 0 : result.summary.verdict === 'fail' ? 1 : 2;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(3);
  },
);
