// The nemesis: faults injected into a running cluster on a seeded schedule, each healed when its
// time is up, and all of them healed when the run ends, however it ends.
//
// Process faults (kill -9 and restart, SIGSTOP / SIGCONT) go through TestCluster; network
// partitions and a slow disk through the members' fault files (cluster/fault-injection.ts);
// membership changes through etcd's Cluster API (membership.ts), a new member started by
// TestCluster with a fresh data dir. No firewall rule, route or process outside the cluster is
// ever touched.
import type { Prng } from '../sim/prng.js';
import { ClusterStartError, type TestCluster } from '../support/cluster.js';
import { findLeader } from './cluster-view.js';
import type { FaultFiles } from './fault-files.js';
import { ensureAdded, ensureRemoved } from './membership.js';

export const FAULT_KINDS = [
  'kill-random',
  'kill-leader',
  'kill-all',
  'pause-random',
  'pause-leader',
  'partition-halves',
  'partition-leader',
  'partition-bridge',
  'partition-oneway',
  'slow-disk',
  'member-replace',
  'member-grow',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Names for sets of faults on the command line. */
export const FAULT_GROUPS: Readonly<Record<string, readonly FaultKind[]>> = {
  all: FAULT_KINDS,
  none: [],
  kill: ['kill-random', 'kill-leader'],
  pause: ['pause-random', 'pause-leader'],
  partition: ['partition-halves', 'partition-leader', 'partition-bridge', 'partition-oneway'],
  crash: ['kill-random', 'kill-leader', 'kill-all'],
  membership: ['member-replace', 'member-grow'],
};

/** "kill,partition-leader" → the fault kinds it names (groups expanded, duplicates dropped). */
export function parseFaultKinds(spec: string): FaultKind[] {
  const out = new Set<FaultKind>();
  for (const word of spec.split(',').map((w) => w.trim()).filter((w) => w.length > 0)) {
    const group = FAULT_GROUPS[word];
    if (group) group.forEach((k) => out.add(k));
    else if ((FAULT_KINDS as readonly string[]).includes(word)) out.add(word as FaultKind);
    else throw new Error(`unknown nemesis "${word}"; known: ${[...Object.keys(FAULT_GROUPS), ...FAULT_KINDS].join(', ')}`);
  }
  return [...out];
}

/** Faults that need the fault files (Lodestone only; real etcd has none). */
export function needsFaultFiles(kind: FaultKind): boolean {
  return kind.startsWith('partition-') || kind === 'slow-disk';
}

type Family = 'process' | 'network' | 'disk' | 'membership';

function familyOf(kind: FaultKind): Family {
  if (kind.startsWith('partition-')) return 'network';
  if (kind === 'slow-disk') return 'disk';
  if (kind.startsWith('member-')) return 'membership';
  return 'process';
}

/** One line of the nemesis log. */
export interface NemesisEvent {
  /** Milliseconds since the run started. */
  readonly t: number;
  readonly event: 'inject' | 'heal' | 'recovered' | 'not-recovered' | 'failed';
  readonly kind?: FaultKind;
  readonly detail: string;
}

export interface NemesisTiming {
  /** How long the cluster is left alone between faults, [min, max] ms. */
  readonly quietMs: readonly [number, number];
  /** How long a fault lasts, [min, max] ms. */
  readonly faultMs: readonly [number, number];
  /** How long a kill-all leaves the cluster down, [min, max] ms. */
  readonly downMs: readonly [number, number];
  /** Chance that a round injects a second fault of another family (process / network / disk) at once. */
  readonly combineChance: number;
  /** How long the cluster may take to be ready again after a heal before that counts as an anomaly. */
  readonly recoveryTimeoutMs: number;
  /** How long a membership change may take (retried until the member list shows it) before it counts as failed. */
  readonly membershipTimeoutMs: number;
}

export const DEFAULT_TIMING: NemesisTiming = {
  quietMs: [1000, 4000],
  faultMs: [3000, 8000],
  downMs: [500, 2500],
  combineChance: 0.35,
  recoveryTimeoutMs: 30_000,
  membershipTimeoutMs: 60_000,
};

export interface NemesisContext {
  readonly cluster: TestCluster;
  /** Undefined when the cluster runs without fault files (real etcd). */
  readonly faultFiles: FaultFiles | undefined;
  readonly hexIds: readonly string[];
  readonly rng: Prng;
  /** Milliseconds since the run started. */
  readonly clock: () => number;
  readonly timing: NemesisTiming;
  readonly onEvent?: (e: NemesisEvent) => void;
}

interface ActiveFault {
  readonly kind: FaultKind;
  readonly heal: () => Promise<string>;
}

/** A membership change the cluster did not make within its timeout (on injecting or healing). */
export interface MembershipFailure {
  readonly t: number;
  readonly kind: FaultKind;
  readonly message: string;
}

/** A recovery that did not happen: the cluster was not ready within the timeout after a heal. */
export interface RecoveryFailure {
  readonly t: number;
  readonly after: string;
  readonly message: string;
}

export class Nemesis {
  readonly events: NemesisEvent[] = [];
  readonly injected = new Map<FaultKind, number>();
  readonly recoveryFailures: RecoveryFailure[] = [];
  readonly membershipFailures: MembershipFailure[] = [];
  /** Members removed that stopped by themselves, and those that had to be stopped. */
  readonly removals = { stoppedThemselves: 0, stoppedByTest: 0 };
  private readonly active: ActiveFault[] = [];
  private readonly hexIds: string[];
  private readonly killed = new Set<number>();
  private readonly paused = new Set<number>();
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly ctx: NemesisContext) {
    this.hexIds = [...ctx.hexIds];
  }

  /** Each member's id in hex, by index (members added during the run included). */
  get memberIds(): readonly string[] {
    return this.hexIds;
  }

  /** Runs rounds of faults from `kinds` until `deadline` (run clock, ms) or stop(); heals at the end. */
  async run(kinds: readonly FaultKind[], deadline: number): Promise<void> {
    const { rng, timing, clock } = this.ctx;
    try {
      if (kinds.length === 0) await this.sleep(deadline - clock());
      while (!this.stopped && clock() < deadline && kinds.length > 0) {
        await this.sleep(Math.min(rng.range(timing.quietMs[0], timing.quietMs[1]), deadline - clock()));
        if (this.stopped || clock() >= deadline) break;
        const first = rng.pick(kinds);
        const round = [first];
        const others = kinds.filter((k) => familyOf(k) !== familyOf(first));
        if (others.length > 0 && rng.chance(timing.combineChance)) round.push(rng.pick(others));
        // A membership change first, while the cluster is whole; healed last.
        round.sort((a, b) => Number(familyOf(b) === 'membership') - Number(familyOf(a) === 'membership'));
        for (const kind of round) await this.inject(kind);
        const hold = round.includes('kill-all') ? timing.downMs : timing.faultMs;
        await this.sleep(Math.min(rng.range(hold[0], hold[1]), Math.max(0, deadline - clock())));
        await this.healAll();
        await this.awaitRecovery(round.join('+'));
      }
    } finally {
      await this.healAll();
    }
  }

  /** Ends run() early: the current fault is healed at once. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Heals every fault this nemesis injected: network and disk back to normal, paused members resumed, killed ones restarted. */
  async healAll(): Promise<void> {
    const errors: unknown[] = [];
    while (this.active.length > 0) {
      const fault = this.active.pop()!;
      try {
        this.log('heal', fault.kind, await fault.heal());
      } catch (e) {
        errors.push(e);
      }
    }
    // Whatever a failed heal above left behind.
    const { cluster, faultFiles } = this.ctx;
    try {
      if (faultFiles?.active) {
        faultFiles.clear();
        await faultFiles.flush();
      }
      for (const i of [...this.paused]) {
        await cluster.kill(i, 'SIGCONT');
        this.paused.delete(i);
      }
      for (const i of [...this.killed]) {
        cluster.restart(i);
        this.killed.delete(i);
      }
    } catch (e) {
      errors.push(e);
    }
    if (errors.length > 0) throw new AggregateError(errors, 'healing the nemesis faults failed');
  }

  /** Waits for every member to be up and agree on a leader; records a failure instead of throwing. */
  async awaitRecovery(after: string, timeoutMs = this.ctx.timing.recoveryTimeoutMs): Promise<boolean> {
    try {
      await this.ctx.cluster.waitReady(timeoutMs);
      this.log('recovered', undefined, `after ${after}`);
      return true;
    } catch (e) {
      const message = e instanceof ClusterStartError || e instanceof Error ? e.message : String(e);
      this.recoveryFailures.push({ t: this.ctx.clock(), after, message });
      this.log('not-recovered', undefined, `after ${after}: ${message.split('\n')[0]}`);
      return false;
    }
  }

  async inject(kind: FaultKind): Promise<void> {
    let fault: ActiveFault | undefined;
    try {
      fault = await this.start(kind);
    } catch (e) {
      if (familyOf(kind) !== 'membership') throw e;
      // The cluster did not make the change: an anomaly; the round goes on without it.
      const message = e instanceof Error ? e.message : String(e);
      this.membershipFailures.push({ t: this.ctx.clock(), kind, message });
      this.log('failed', kind, message);
      return;
    }
    this.active.push(fault);
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  private async start(kind: FaultKind): Promise<ActiveFault> {
    const { cluster, rng } = this.ctx;
    const all = cluster.activeMembers.map((m) => m.index);
    const name = (i: number): string => cluster.members[i]!.name;
    switch (kind) {
      case 'kill-random':
      case 'kill-leader': {
        const { target, how } = await this.target(kind === 'kill-leader');
        await cluster.kill(target, 'SIGKILL');
        this.killed.add(target);
        this.log('inject', kind, `SIGKILL ${name(target)}${how}`);
        return { kind, heal: async () => this.restart([target]) };
      }
      case 'kill-all': {
        await Promise.all(all.map((i) => cluster.kill(i, 'SIGKILL')));
        all.forEach((i) => this.killed.add(i));
        this.log('inject', kind, `SIGKILL ${all.map(name).join(', ')} at once`);
        return { kind, heal: async () => this.restart(all) };
      }
      case 'pause-random':
      case 'pause-leader': {
        const { target, how } = await this.target(kind === 'pause-leader');
        await cluster.kill(target, 'SIGSTOP');
        this.paused.add(target);
        this.log('inject', kind, `SIGSTOP ${name(target)}${how}`);
        return {
          kind,
          heal: async () => {
            await cluster.kill(target, 'SIGCONT');
            this.paused.delete(target);
            return `SIGCONT ${name(target)}`;
          },
        };
      }
      case 'partition-halves': {
        const shuffled = shuffle(all, rng);
        const minority = shuffled.slice(0, Math.floor(all.length / 2));
        const majority = shuffled.slice(minority.length);
        return this.partition(kind, `${minority.map(name).join(', ')} | ${majority.map(name).join(', ')}`, (f) => f.cutBetween(minority, majority));
      }
      case 'partition-leader': {
        const { target, how } = await this.target(true);
        const rest = all.filter((i) => i !== target);
        return this.partition(kind, `${name(target)}${how} | ${rest.map(name).join(', ')}`, (f) => f.cutBetween([target], rest));
      }
      case 'partition-bridge': {
        // Two sides that cannot talk to each other and one member that talks to both.
        const shuffled = shuffle(all, rng);
        const bridge = shuffled[0]!;
        const rest = shuffled.slice(1);
        const left = rest.slice(0, Math.floor(rest.length / 2));
        const right = rest.slice(left.length);
        return this.partition(kind, `${left.map(name).join(', ')} | ${right.map(name).join(', ')}, bridged by ${name(bridge)}`, (f) =>
          f.cutBetween(left, right),
        );
      }
      case 'partition-oneway': {
        const { target, how } = await this.target(rng.chance(0.5));
        const rest = all.filter((i) => i !== target);
        if (rng.chance(0.5)) {
          return this.partition(kind, `${name(target)}${how} hears nobody (others still hear it)`, (f) => rest.forEach((i) => f.cutLink(i, target)));
        }
        return this.partition(kind, `nobody hears ${name(target)}${how} (it still hears the others)`, (f) => rest.forEach((i) => f.cutLink(target, i)));
      }
      case 'slow-disk': {
        const files = this.requireFaultFiles(kind);
        const delay = rng.range(20, 250);
        const which = rng.int(3);
        let targets: number[];
        let how: string;
        if (which === 0) {
          targets = all;
          how = 'every member';
        } else {
          const t = await this.target(which === 1);
          targets = [t.target];
          how = `${name(t.target)}${t.how}`;
        }
        for (const i of targets) files.setFsyncDelay(i, delay);
        await files.flush();
        this.log('inject', kind, `every log write delayed ${delay} ms on ${how}`);
        return {
          kind,
          heal: async () => {
            for (const i of targets) files.setFsyncDelay(i, 0);
            await files.flush();
            return `disk back to normal on ${how}`;
          },
        };
      }
      case 'member-replace': {
        // A member leaves (the leader a third of the time); a fresh one joins when healed.
        const { target, how } = await this.target(rng.chance(1 / 3));
        const detail = await this.removeMember(target, how);
        this.log('inject', kind, detail);
        return { kind, heal: async () => this.membershipHeal(kind, () => this.addMember()) };
      }
      case 'member-grow': {
        // A fresh member joins; when healed, one leaves (any of them, the leader a third of the time).
        const detail = await this.addMember();
        this.log('inject', kind, detail);
        return {
          kind,
          heal: async () =>
            this.membershipHeal(kind, async () => {
              const { target, how } = await this.target(rng.chance(1 / 3));
              return this.removeMember(target, how);
            }),
        };
      }
      default:
        return assertNever(kind);
    }
  }

  /** Adds a fresh member (new ports and data dir) and starts it; the member that accepted it is named first in its --initial-cluster. */
  private async addMember(): Promise<string> {
    const { cluster, faultFiles } = this.ctx;
    const leader = await findLeader(cluster, this.hexIds);
    let accepted: { hexId: string; via: number; calls: number } | undefined;
    const m = await cluster.addMember(async (joining) => {
      await faultFiles?.ensureMember(joining.index);
      const r = await ensureAdded(cluster, joining.peerUrl, leader === undefined ? [] : [leader], this.ctx.timing.membershipTimeoutMs);
      accepted = { hexId: r.member.hexId, via: r.via, calls: r.calls };
      const others = cluster.activeMembers.filter((x) => x.index !== r.via);
      return [cluster.member(r.via), ...others].map((x) => `${x.name}=${x.peerUrl}`).concat(`${joining.name}=${joining.peerUrl}`).join(',');
    });
    this.hexIds[m.index] = accepted!.hexId;
    faultFiles?.setMemberId(m.index, accepted!.hexId);
    const size = cluster.activeMembers.length;
    return `added ${m.name} (${accepted!.hexId}) through ${cluster.member(accepted!.via).name}${accepted!.calls > 1 ? ` (${accepted!.calls} MemberAdd calls)` : ''}: ${size} members`;
  }

  /** Removes a member through another one and waits for its process to end (a removed member stops). */
  private async removeMember(target: number, how: string): Promise<string> {
    const { cluster } = this.ctx;
    const name = cluster.member(target).name;
    const r = await ensureRemoved(cluster, target, this.hexIds[target]!, this.ctx.timing.membershipTimeoutMs);
    this.killed.delete(target);
    this.paused.delete(target);
    const byItself = await cluster.markRemoved(target);
    if (byItself) this.removals.stoppedThemselves++;
    else this.removals.stoppedByTest++;
    const size = cluster.activeMembers.length;
    return `removed ${name}${how} through ${cluster.member(r.via).name}${r.calls > 1 ? ` (${r.calls} MemberRemove calls)` : ''}; it ${byItself ? 'stopped by itself' : 'was still running 10 s later: stopped'}: ${size} members`;
  }

  /** A membership heal never throws: a change the cluster would not make is recorded, and healing goes on. */
  private async membershipHeal(kind: FaultKind, change: () => Promise<string>): Promise<string> {
    try {
      return await change();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.membershipFailures.push({ t: this.ctx.clock(), kind, message });
      return `FAILED: ${message}`;
    }
  }

  private async partition(kind: FaultKind, description: string, cut: (f: FaultFiles) => void): Promise<ActiveFault> {
    const files = this.requireFaultFiles(kind);
    cut(files);
    await files.flush();
    this.log('inject', kind, description);
    return {
      kind,
      heal: async () => {
        // A round holds one network fault at most, so healing it reconnects every link.
        files.clearLinks();
        await files.flush();
        return `network healed (${description})`;
      },
    };
  }

  private requireFaultFiles(kind: FaultKind): FaultFiles {
    if (!this.ctx.faultFiles) throw new Error(`nemesis ${kind} needs fault files, which this cluster was not started with`);
    return this.ctx.faultFiles;
  }

  /** The leader when asked for it and one is known, otherwise a random serving member. */
  private async target(leader: boolean): Promise<{ target: number; how: string }> {
    const { cluster, rng } = this.ctx;
    const hexIds = this.hexIds;
    if (leader) {
      const found = await findLeader(cluster, hexIds);
      if (found !== undefined) return { target: found, how: ' (the leader)' };
    }
    const serving = cluster.activeMembers.filter((m) => cluster.isServing(m.index)).map((m) => m.index);
    const pool = serving.length > 0 ? serving : cluster.activeMembers.map((m) => m.index);
    return { target: rng.pick(pool), how: leader ? ' (no leader known: a random member)' : '' };
  }

  private restart(indices: readonly number[]): string {
    for (const i of indices) {
      if (!this.killed.has(i)) continue;
      this.ctx.cluster.restart(i);
      this.killed.delete(i);
    }
    return `restarted ${indices.map((i) => this.ctx.cluster.members[i]!.name).join(', ')}`;
  }

  private log(event: NemesisEvent['event'], kind: FaultKind | undefined, detail: string): void {
    const e: NemesisEvent = { t: Math.round(this.ctx.clock()), event, ...(kind ? { kind } : {}), detail };
    this.events.push(e);
    this.ctx.onEvent?.(e);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function shuffle<T>(xs: readonly T[], rng: Prng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected fault ${String(value)}`);
}
