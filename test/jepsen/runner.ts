// One run: start a cluster whose members read fault files, run the workloads while the nemesis
// injects faults on its seeded schedule, heal everything, wait for the cluster to be ready, let the
// workloads do their final reads, stop the cluster, check the histories, and sum it all up.
// Whatever fails on the way, faults are healed and processes stopped before run() returns or throws.
import { monotonicNanos } from '../linearizability/index.js';
import { Prng } from '../sim/prng.js';
import { TestCluster, type Implementation } from '../support/cluster.js';
import { ThrowawayMtls } from '../support/throwaway-mtls.js';
import { memberHexIds } from './cluster-view.js';
import { FaultFiles } from './fault-files.js';
import { KvWorkload, type KvWorkloadOptions } from './kv-workload.js';
import { DEFAULT_TIMING, Nemesis, needsFaultFiles, type FaultKind, type NemesisEvent, type NemesisTiming } from './nemesis.js';
import { WatchWorkload, type WatchWorkloadOptions } from './watch-workload.js';
import type { Anomaly, Workload, WorkloadContext, WorkloadReport } from './workload.js';

export interface RunOptions {
  /** Seconds of workload under faults. */
  readonly timeS: number;
  readonly members: number;
  readonly nemeses: readonly FaultKind[];
  readonly seed: number;
  readonly implementation?: Implementation;
  readonly kv?: Partial<KvWorkloadOptions>;
  /** Runs the watch workload beside the key-value one (absent: no watchers). */
  readonly watch?: Partial<WatchWorkloadOptions>;
  readonly timing?: Partial<NemesisTiming>;
  /** Extra member flags (e.g. a small --snapshot-count, so that restarted members catch up by snapshot). */
  readonly memberArgs?: readonly string[];
  /**
   * Mutual TLS everywhere: a throwaway CA and certificates, https client and peer URLs, members that
   * want a certificate from the CA of their clients (--client-cert-auth) and of their peers
   * (--peer-client-cert-auth), and every client of the run — the workloads', the nemesis's, the
   * readiness probes — dialing with the client certificate.
   */
  readonly tls?: boolean;
  /** Progress lines (nemesis events, phases). */
  readonly log?: (line: string) => void;
}

export interface Summary {
  readonly verdict: 'pass' | 'fail' | 'inconclusive';
  readonly seed: number;
  readonly implementation: Implementation;
  readonly members: number;
  /** Mutual TLS on client and peer URLs. */
  readonly tls: boolean;
  readonly clients: number;
  readonly nemeses: readonly FaultKind[];
  readonly timeS: number;
  readonly wallS: number;
  readonly operations: number;
  readonly ok: number;
  readonly fail: number;
  readonly unknown: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly faultsTotal: number;
  /** Members at the end (added and removed ones counted once each), and how removed members ended. */
  readonly membership: { readonly membersAtEnd: number; readonly added: number; readonly removed: number; readonly removedStoppedThemselves: number };
  readonly workloads: readonly WorkloadReport[];
  readonly anomalies: readonly Anomaly[];
  /**
   * What the members logged at warn level or above, by level and message, counted over all members:
   * not anomalies by themselves, but where to look.
   */
  readonly memberLog: Readonly<Record<string, number>>;
}

export interface RunResult {
  readonly summary: Summary;
  readonly nemesisLog: readonly NemesisEvent[];
  readonly workloads: readonly Workload[];
  /** The last lines each member printed, for diagnosing a failure. */
  readonly memberLogs: Readonly<Record<string, readonly string[]>>;
}

export async function runJepsen(options: RunOptions): Promise<RunResult> {
  const log = options.log ?? (() => undefined);
  const implementation = options.implementation ?? 'lodestone';
  const timing: NemesisTiming = { ...DEFAULT_TIMING, ...options.timing };
  if (implementation !== 'lodestone') {
    const unsupported = options.nemeses.filter(needsFaultFiles);
    if (unsupported.length > 0) throw new Error(`${unsupported.join(', ')} need Lodestone's fault files; ${implementation} has none`);
  }
  const rng = new Prng(options.seed);
  const nemesisRng = rng.fork();
  const workloadRng = rng.fork();
  const startedNs = monotonicNanos();
  const clock = (): number => (monotonicNanos() - startedNs) / 1e6;
  const stamp = (): string => `[${(clock() / 1000).toFixed(1).padStart(6)} s]`;
  const say = (line: string): void => log(`${stamp()} ${line}`);

  const faultFiles = implementation === 'lodestone' ? await FaultFiles.create(options.members) : undefined;
  const mtls = options.tls ? await ThrowawayMtls.create('jepsen-mtls-') : undefined;
  let cluster: TestCluster | undefined;
  let nemesis: Nemesis | undefined;
  const kvWorkload = new KvWorkload(options.kv);
  const workloads: Workload[] = [kvWorkload];
  if (options.watch) workloads.push(new WatchWorkload(kvWorkload.keyFeed(), options.watch));
  const anomalies: Anomaly[] = [];
  const memberLogs: Record<string, readonly string[]> = {};
  try {
    say(`starting ${options.members} ${implementation} members${mtls ? ' with mutual TLS' : ''} (seed ${options.seed})`);
    cluster = await TestCluster.start({
      implementation,
      size: options.members,
      logLevel: (process.env.JEPSEN_LOG_LEVEL as 'info' | 'warn' | 'debug' | undefined) ?? 'warn',
      readyTimeoutMs: 60_000,
      keepLines: 50_000,
      extraArgs: [...(mtls?.memberFlags() ?? []), ...(options.memberArgs ?? [])],
      ...(mtls ? { https: { client: true, peer: true }, probeCredentials: mtls.clientCredentials() } : {}),
      ...(faultFiles ? { memberEnv: ({ index }) => faultFiles.env(index) } : {}),
    });
    const hexIds = await memberHexIds(cluster);
    faultFiles?.setMemberIds(hexIds);
    say(`members: ${cluster.members.map((m, i) => `${m.name}=${hexIds[i]}`).join(', ')}`);
    const ctx: WorkloadContext = { cluster, rng: workloadRng, clock, log: say };
    nemesis = new Nemesis({
      cluster,
      faultFiles,
      hexIds,
      rng: nemesisRng,
      clock,
      timing,
      onEvent: (e) => say(`nemesis ${e.event}${e.kind ? ` ${e.kind}` : ''}: ${e.detail}`),
    });

    for (const w of workloads) w.start(ctx);
    await nemesis.run(options.nemeses, clock() + options.timeS * 1000);
    say('time is up: stopping the clients');
    for (const w of workloads) await w.stop();
    await nemesis.healAll();
    say('every fault healed: waiting for the cluster');
    if (!(await nemesis.awaitRecovery('the end of the run', 60_000))) say('the cluster did not recover');
    for (const w of workloads) await w.finish(ctx);
  } finally {
    // Heal and stop, even when something above threw.
    try {
      nemesis?.stop();
      for (const w of workloads) await w.stop();
      await nemesis?.healAll();
    } finally {
      for (const w of workloads) w.close();
      for (const m of cluster?.members ?? []) memberLogs[m.name] = [...m.process.output()];
      await cluster?.destroy();
      await faultFiles?.destroy();
      await mtls?.destroy();
    }
  }

  if (!nemesis || !cluster) throw new Error('unreachable: the run ended without a nemesis');
  const finalMembers = { all: cluster.members.length, active: cluster.activeMembers.length };
  for (const f of nemesis.recoveryFailures) {
    anomalies.push({ workload: 'cluster', kind: 'not-recovered', message: `at ${(f.t / 1000).toFixed(1)} s, after ${f.after}: ${f.message}` });
  }
  for (const f of nemesis.membershipFailures) {
    anomalies.push({ workload: 'cluster', kind: 'membership-change-failed', message: `at ${(f.t / 1000).toFixed(1)} s, ${f.kind}: ${f.message}` });
  }
  say('checking the histories');
  const reports = workloads.map((w) => w.check());
  for (const r of reports) anomalies.push(...r.anomalies);
  const kv = reports[0]!.figures as { operations: number; ok: number; fail: number; unknown: number };
  const faults = Object.fromEntries([...nemesis.injected].sort());
  const inconclusive = reports.reduce((n, r) => n + r.inconclusive, 0);
  const summary: Summary = {
    verdict: anomalies.length > 0 ? 'fail' : inconclusive > 0 ? 'inconclusive' : 'pass',
    seed: options.seed,
    implementation,
    members: options.members,
    tls: mtls !== undefined,
    clients: kvWorkload.options.clients,
    nemeses: options.nemeses,
    timeS: options.timeS,
    wallS: Math.round(clock() / 100) / 10,
    operations: kv.operations,
    ok: kv.ok,
    fail: kv.fail,
    unknown: kv.unknown,
    faults,
    faultsTotal: [...nemesis.injected.values()].reduce((a, b) => a + b, 0),
    membership: {
      membersAtEnd: finalMembers.active,
      added: finalMembers.all - options.members,
      removed: finalMembers.all - finalMembers.active,
      removedStoppedThemselves: nemesis.removals.stoppedThemselves,
    },
    workloads: reports,
    anomalies,
    memberLog: countLogMessages(Object.values(memberLogs)),
  };
  return { summary, nemesisLog: nemesis.events, workloads, memberLogs };
}

const LEVELS: Readonly<Record<number, string>> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/** Lodestone logs one JSON object a line (pino); counts its warnings and errors by message. */
function countLogMessages(logs: readonly (readonly string[])[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const lines of logs) {
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let entry: { level?: unknown; msg?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (typeof entry.level !== 'number' || entry.level < 40) continue;
      const key = `${LEVELS[entry.level] ?? entry.level}: ${String(entry.msg)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** The summary as a few lines of text. */
export function formatSummary(s: Summary): string {
  const lines = [
    `verdict: ${s.verdict.toUpperCase()}`,
    `seed ${s.seed}; ${s.members} ${s.implementation} members${s.tls ? ' (mutual TLS)' : ''}; ${s.clients} clients; ${s.timeS} s under nemesis [${s.nemeses.join(', ') || 'none'}]; ${s.wallS} s in all`,
    `operations: ${s.operations} (ok ${s.ok}, fail ${s.fail}, unknown ${s.unknown})`,
    `faults injected: ${s.faultsTotal}${s.faultsTotal > 0 ? ` (${Object.entries(s.faults).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
  ];
  if (s.membership.added + s.membership.removed > 0) {
    lines.push(
      `membership: ${s.membership.added} members added, ${s.membership.removed} removed (${s.membership.removedStoppedThemselves} stopped by themselves); ${s.membership.membersAtEnd} members at the end`,
    );
  }
  for (const w of s.workloads) {
    const f = w.figures as Record<string, unknown>;
    if (w.summaryLine !== undefined) {
      lines.push(w.summaryLine);
      continue;
    }
    lines.push(
      `${w.name}: ${String(f.operationsChecked)} operations checked on ${String(f.keys)} keys — ${String(f.keysLinearizable)} linearizable, ${w.anomalies.length} anomalies, ${w.inconclusive} inconclusive (check ${String(f.checkMs)} ms)`,
    );
  }
  const logged = Object.entries(s.memberLog);
  if (logged.length > 0) lines.push(`member logs: ${logged.map(([m, n]) => `${n}× ${m}`).join('; ')}`);
  lines.push(`anomalies: ${s.anomalies.length}`);
  for (const a of s.anomalies) {
    lines.push(`  [${a.workload}] ${a.kind}: ${a.message}`);
    if (a.report) lines.push(...a.report.split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}
