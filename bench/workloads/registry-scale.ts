// registry-scale: the service registry at the size issue 14 asks for, on the tool's Lodestone
// cluster (etcd has no health checks: run it without --against etcd). --instances instances of
// --services services are registered through the members' Consul API, half with an HTTP check of
// a health endpoint the instance fleet (a child process) serves, half with a TTL check the fleet
// reports on; intervals and TTLs spread from 1 s (TTLs 2 s) to --max-interval. --watchers
// discover() watchers follow one service each, spread over the members. Then, each round:
//   - steady state over --duration: CPU and resident memory per member, registry writes/s;
//   - --flips instances (a batch at a time) have their endpoint turned off (TTL ones stop
//     reporting): time until every watcher of the service saw it leave or turn critical, and
//     until every member's DNS left it out, against interval × failures_before_critical + 1 s;
//   - DNS A queries over UDP on one member, --clients in flight, for --duration (what it takes at
//     most); then paced at the issue's 10,000 queries/s (the latency at that rate, not at saturation);
//   - last round only: the member running the most checks is killed (SIGKILL) as some of its
//     instances go down: time until their states move (run by another member), against the
//     election timeout plus the interval (times failures_before_critical).
import { connect } from '../../client/connect.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { checkOwners, liveRunnerIds, memberIds } from '../tool/check-owners.js';
import { registerInstances } from '../tool/consul-register.js';
import { DnsLoad, type DnsQuestion } from '../tool/dns-load.js';
import { DNS_TARGET_RATE } from './dns.js';
import { DnsPresence } from '../tool/dns-presence.js';
import { FlipTimer, type FlipOutcome } from '../tool/flip-timer.js';
import { InstanceFleet, type TtlReportSpec } from '../tool/instance-fleet.js';
import { cpuSeconds, rssMiB } from '../tool/member-resources.js';
import { disappearanceBoundMs, planInstances, type PlannedInstance } from '../tool/scale-plan.js';
import { ScaleWatchers } from '../tool/scale-watchers.js';
import { summarize } from '../tool/stats.js';
import type { System } from '../tool/system.js';
import { loadRow, type Prepared, type Row, type RunContext, type Workload } from '../tool/workload.js';

/** The members' --election-timeout: the tool starts them with the default. */
const ELECTION_TIMEOUT_MS = 1000;
const REGISTRATIONS_IN_FLIGHT = 64;
/** Instances turned off at once. */
const FLIP_BATCH = 10;
/** Instances of the killed member turned off as it dies. */
const KILL_FLIPS = 10;
const DNS_QUESTIONS = 4096;

const dnsName = (service: string): string => `${service}.service.lodestone`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const n = (x: number): string => x.toLocaleString('en-US');

export const registryScaleWorkload: Workload = {
  name: 'registry-scale',
  needsOwnCluster: true,
  async prepare(system, ctx) {
    if (system.name === 'etcd') throw new Error('etcd has no health checks or DNS: run registry-scale without --against etcd');
    const cluster = system.cluster;
    if (!cluster || system.dnsPorts.length !== system.endpoints.length) throw new Error('registry-scale kills a member and reads its DNS: it needs a Lodestone cluster the tool starts (no --endpoints)');
    const o = ctx.options;
    const plan = planInstances({ instances: o.instances, services: Math.min(o.services, o.instances), maxIntervalS: o.maxIntervalS });
    const fleet = await InstanceFleet.start();
    const opened: { close(): unknown }[] = [fleet];
    const closeAll = async (): Promise<void> => {
      for (const c of opened.reverse()) await c.close();
    };
    try {
      const registration = await register(system, plan, fleet, ctx);
      if (registration.errors > 0) ctx.note(`registry-scale: ${registration.errors} registrations failed: ${registration.firstError ?? ''}`);
      const dns = await DnsPresence.open();
      opened.push(dns);
      const timer = new FlipTimer(dns, dnsName);
      const services = [...new Set(plan.map((p) => p.service))];
      const watchedServices = Array.from({ length: o.watchers }, (_, w) => services[w % services.length]!);
      ctx.note(`registry-scale: opening ${n(o.watchers)} discover() watchers over ${system.endpoints.length} members`);
      const watchers = await ScaleWatchers.open(system.endpoints, watchedServices, timer.seen);
      opened.push(watchers);
      timer.attach(watchers);
      // Every check has run (every TTL clock started) at least once before anything is measured.
      ctx.note(`registry-scale: letting every check run once (${o.maxIntervalS + 2} s)`);
      await sleep((o.maxIntervalS + 2) * 1000);
      const state: ScaleState = { system, plan, fleet, watchers, timer, flipped: new Set(), watched: new Set(watchedServices) };
      const prepared: Prepared = {
        round: async (c, round) => [
          loadRow('register', `registrations through the Consul API (${n(plan.length)} instances, ${REGISTRATIONS_IN_FLIGHT} in flight)`, registration),
          ...(await steadyState(state, c)),
          ...(await flips(state, c)),
          ...(await dnsQueries(state, c)),
          ...(round === c.options.rounds - 1 ? await killBusiest(state, c) : []),
        ],
        close: closeAll,
      };
      return prepared;
    } catch (e) {
      await closeAll();
      throw e;
    }
  },
};

interface ScaleState {
  readonly system: System;
  readonly plan: readonly PlannedInstance[];
  readonly fleet: InstanceFleet;
  readonly watchers: ScaleWatchers;
  readonly timer: FlipTimer;
  /** Instances turned off so far (each is timed once). */
  readonly flipped: Set<string>;
  /** Services that have watchers. */
  readonly watched: ReadonlySet<string>;
}

async function register(system: System, plan: readonly PlannedInstance[], fleet: InstanceFleet, ctx: RunContext) {
  // TTL checks are handed to the fleet as they are registered, so none runs out meanwhile.
  let ttl: TtlReportSpec[] = [];
  const urls = system.endpoints.map((e) => `http://${e}`);
  const flush = (): void => {
    fleet.reportOn(ttl);
    ttl = [];
  };
  const flusher = setInterval(flush, 200);
  try {
    ctx.note(`registry-scale: registering ${n(plan.length)} instances through the members' Consul API`);
    return await registerInstances(plan, {
      endpoints: system.endpoints,
      healthBaseUrl: fleet.baseUrl,
      inFlight: REGISTRATIONS_IN_FLIGHT,
      note: (line) => ctx.note(`registry-scale: ${line}`),
      registered: (p) => {
        if (p.kind !== 'ttl') return;
        const m = p.index % urls.length;
        ttl.push({ instanceId: p.id, checkId: p.checkId, ttlMs: p.intervalMs, endpoints: [...urls.slice(m), ...urls.slice(0, m)] });
      },
    }, ctx);
  } finally {
    clearInterval(flusher);
    flush();
  }
}

async function revision(system: System): Promise<number> {
  for (const e of system.endpoints) {
    const s = await system.status(e).catch(() => undefined);
    if (s?.header) return Number(s.header.revision);
  }
  return NaN;
}

async function steadyState(s: ScaleState, ctx: RunContext): Promise<Row[]> {
  const members = s.system.cluster!.members;
  const windowS = Math.max(1, ctx.options.durationS);
  ctx.note(`registry-scale: steady state over ${windowS} s`);
  const pids = members.map((m) => m.process.pid);
  const cpu0 = await Promise.all(pids.map(cpuSeconds));
  const fleetCpu0 = await s.fleet.cpuSeconds();
  const rev0 = await revision(s.system);
  const stats0 = await s.fleet.stats();
  const t0 = performance.now();
  await sleep(windowS * 1000);
  const cpu1 = await Promise.all(pids.map(cpuSeconds));
  const fleetCpu1 = await s.fleet.cpuSeconds();
  const rev1 = await revision(s.system);
  const stats1 = await s.fleet.stats();
  const seconds = (performance.now() - t0) / 1000;
  const rss = await Promise.all(pids.map(rssMiB));
  const rows: Row[] = [];
  for (const [i] of members.entries()) {
    rows.push({ key: `cpu-${i + 1}`, label: `steady state: member ${i + 1} CPU (100% = one core)`, headline: 'value', value: ((cpu1[i]! - cpu0[i]!) / seconds) * 100, unit: '%' });
    rows.push({ key: `rss-${i + 1}`, label: `steady state: member ${i + 1} resident memory`, headline: 'value', value: rss[i]!, unit: 'MiB' });
  }
  rows.push({ key: 'writes', label: 'steady state: writes (revisions) per second', headline: 'value', value: (rev1 - rev0) / seconds, unit: '/s' });
  rows.push({ key: 'http-checks', label: `steady state: HTTP checks run per second (${n(s.plan.filter((p) => p.kind === 'http').length)} checks)`, headline: 'value', value: (stats1.probes - stats0.probes) / seconds, unit: '/s' });
  rows.push({ key: 'ttl-reports', label: `steady state: TTL reports per second (${n(stats1.reporting)} checks, each at half its TTL)`, headline: 'value', value: (stats1.reports - stats0.reports) / seconds, unit: '/s' });
  rows.push({ key: 'ttl-late', label: 'steady state: TTL reports sent later than a TTL after the last (the fleet fell behind)', headline: 'value', value: stats1.lateReports - stats0.lateReports, unit: 'reports' });
  rows.push({ key: 'ttl-failed', label: 'steady state: TTL reports no member took', headline: 'value', value: stats1.failedReports - stats0.failedReports, unit: 'reports' });
  rows.push({ key: 'fleet-cpu', label: 'steady state: instance fleet process CPU (health endpoints, TTL reports)', headline: 'value', value: ((fleetCpu1 - fleetCpu0) / seconds) * 100, unit: '%' });
  return rows;
}

/** Instances not timed yet, of watched services, spread over kinds and intervals. */
function candidates(s: ScaleState, accept: (p: PlannedInstance) => boolean): PlannedInstance[] {
  const out = s.plan.filter((p) => !s.flipped.has(p.id) && s.watched.has(p.service) && accept(p));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Up to `count` of `pool` that every member's DNS answers now (they pass everywhere). */
async function answeredNow(s: ScaleState, pool: readonly PlannedInstance[], count: number, dnsPorts: readonly number[]): Promise<PlannedInstance[]> {
  const chosen: PlannedInstance[] = [];
  for (const p of pool) {
    if (chosen.length >= count) break;
    if (await s.timer.answeredEverywhere(p, dnsPorts)) chosen.push(p);
  }
  return chosen;
}

function goneRows(key: string, what: string, outcomes: readonly FlipOutcome[], pick: (o: FlipOutcome) => number | undefined, bound: (o: FlipOutcome) => number): Row[] {
  const seen = outcomes.filter((o) => pick(o) !== undefined);
  const ms = Float64Array.from(seen.map((o) => pick(o)!)).sort();
  const within = seen.filter((o) => pick(o)! <= bound(o)).length;
  return [
    { key, label: what, headline: 'p99Ms', count: seen.length, errors: outcomes.length - seen.length, latency: summarize(ms), ...(seen.length < outcomes.length ? { firstError: `${outcomes.length - seen.length} of ${outcomes.length} not seen in time` } : {}) },
    { key: `${key}-within`, label: `${what}: share within its bound`, headline: 'value', value: outcomes.length === 0 ? NaN : (within / outcomes.length) * 100, unit: '%' },
  ];
}

async function flips(s: ScaleState, ctx: RunContext): Promise<Row[]> {
  const ports = s.system.dnsPorts;
  const pool = candidates(s, () => true);
  const outcomes: FlipOutcome[] = [];
  ctx.note(`registry-scale: turning off ${ctx.options.flips} health endpoints, ${FLIP_BATCH} at a time`);
  let offset = 0;
  while (outcomes.length < ctx.options.flips && offset < pool.length) {
    const want = Math.min(FLIP_BATCH, ctx.options.flips - outcomes.length);
    const rest = pool.slice(offset);
    const batch = await answeredNow(s, rest, want, ports);
    offset += rest.findIndex((p) => p === batch[batch.length - 1]) + 1;
    if (batch.length === 0) break;
    for (const p of batch) s.flipped.add(p.id);
    const ids = batch.map((p) => p.id);
    const timeout = Math.max(...batch.map(disappearanceBoundMs)) * 2 + 5000;
    outcomes.push(...(await s.timer.time(batch, ports, timeout, () => s.fleet.setDown(ids))));
    s.fleet.setUp(ids);
  }
  const bound = (o: FlipOutcome): number => disappearanceBoundMs(o.instance);
  const over = outcomes.map((o) => (o.watchersMs === undefined ? Infinity : o.watchersMs - bound(o))).sort((a, b) => b - a)[0];
  return [
    ...goneRows('gone-watchers', `endpoint down → gone or critical at every watcher of its service (${outcomes.length} instances; bound interval × failures + 1 s)`, outcomes, (o) => o.watchersMs, bound),
    ...goneRows('gone-dns', `endpoint down → left out by every member's DNS (${outcomes.length} instances)`, outcomes, (o) => o.dnsMs, bound),
    { key: 'gone-worst-margin', label: 'endpoint down → every watcher: worst time past its own bound (negative: within)', headline: 'value', value: over ?? NaN, unit: 'ms' },
  ];
}

async function dnsQueries(s: ScaleState, ctx: RunContext): Promise<Row[]> {
  const [endpoint] = await s.system.placed('follower');
  const index = s.system.endpoints.indexOf(endpoint!);
  const services = [...new Set(s.plan.map((p) => p.service))];
  // A queries: an SRV answer for a service of 20 instances carries 20 SRV and 20 A records, more
  // than a 1,232-byte UDP answer holds, so it comes back truncated (the client asks again over TCP).
  const questions: DnsQuestion[] = Array.from({ length: DNS_QUESTIONS }, () => ({ name: dnsName(services[Math.floor(Math.random() * services.length)]!), type: 'A' }));
  const load = await DnsLoad.open('127.0.0.1', s.system.dnsPorts[index]!, questions);
  try {
    const label = `DNS A queries over UDP on member ${index + 1} (a follower), ${n(s.plan.length)} instances registered, ${ctx.options.clients} in flight`;
    ctx.note(`registry-scale: ${label}`);
    const saturated = loadRow('dns-queries', label, await runClosedLoop(loopSpec(label, ctx), ctx, load.issue));
    // Closed-loop latency at saturation is mostly the queue the loop itself keeps full; the target
    // is a rate with a latency, so the rate is offered as a steady stream and the latency read there.
    const pacedLabel = `DNS A queries over UDP on member ${index + 1} (a follower), offered at ${n(DNS_TARGET_RATE)}/s`;
    ctx.note(`registry-scale: ${pacedLabel}`);
    const paced = await runClosedLoop({ ...loopSpec(pacedLabel, ctx), perSecond: DNS_TARGET_RATE }, ctx, load.issue);
    return [saturated, loadRow('dns-queries-paced', pacedLabel, paced)];
  } finally {
    load.close();
  }
}

async function killBusiest(s: ScaleState, ctx: RunContext): Promise<Row[]> {
  const { system } = s;
  const cluster = system.cluster!;
  const client = await connect({ endpoints: system.endpoints });
  try {
    const owners = await checkOwners(system, client, s.plan.map((p) => p.checkId));
    const victim = owners.perMember.indexOf(Math.max(...owners.perMember));
    const wasLeader = (await system.leaderIndex().catch(() => -1)) === victim;
    const survivors = system.endpoints.filter((_, i) => i !== victim);
    const ports = system.dnsPorts.filter((_, i) => i !== victim);
    // Those with failures_before_critical 1 first: their bound is the issue's, election timeout plus one interval.
    const pool = candidates(s, (p) => p.kind === 'http' && owners.ownerIndex.get(p.checkId) === victim).sort((a, b) => a.failuresBeforeCritical - b.failuresBeforeCritical);
    const batch = await answeredNow(s, pool, KILL_FLIPS, system.dnsPorts);
    for (const p of batch) s.flipped.add(p.id);
    const victimId = Number((await memberIds(system))[victim]!);
    const label = `member ${victim + 1}${wasLeader ? ' (the leader)' : ''}, running ${n(owners.perMember[victim]!)} of ${n(s.plan.length)} checks, killed`;
    ctx.note(`registry-scale: ${label}, ${batch.length} of its instances going down with it`);
    const bound = (o: FlipOutcome): number => ELECTION_TIMEOUT_MS + o.instance.intervalMs * o.instance.failuresBeforeCritical;
    let killedAt = 0;
    let runnerGoneMs: number | undefined;
    const watchRunner = async (): Promise<void> => {
      const survivor = await connect({ endpoints: survivors });
      try {
        while (performance.now() - killedAt < 60_000) {
          const live = await liveRunnerIds(survivor).catch(() => [victimId]);
          if (!live.includes(victimId)) {
            runnerGoneMs = performance.now() - killedAt;
            return;
          }
          await sleep(50);
        }
      } finally {
        await survivor.close();
      }
    };
    let runnerWatched: Promise<void> = Promise.resolve();
    const timeout = Math.max(...batch.map((p) => ELECTION_TIMEOUT_MS + p.intervalMs * p.failuresBeforeCritical), 0) * 3 + 10_000;
    const outcomes = await s.timer.time(batch, ports, timeout, async () => {
      s.fleet.setDown(batch.map((p) => p.id));
      killedAt = performance.now();
      await cluster.kill(victim, 'SIGKILL');
      runnerWatched = watchRunner();
    });
    await runnerWatched;
    return [
      { key: 'kill-checks', label: `${label}: checks it ran`, headline: 'value', value: owners.perMember[victim]!, unit: 'checks' },
      { key: 'kill-runner-gone', label: `${label}: its runner key gone (checks handed over)`, headline: 'value', value: runnerGoneMs ?? NaN, unit: 'ms' },
      ...goneRows('kill-moved', `${label}: its instances, down at the kill → critical at every watcher (${batch.length} instances; bound election timeout + interval × failures)`, outcomes, (o) => o.watchersMs, bound),
      ...goneRows('kill-moved-dns', `${label}: the same → left out by the surviving members' DNS`, outcomes, (o) => o.dnsMs, bound),
    ];
  } finally {
    await client.close();
  }
}
