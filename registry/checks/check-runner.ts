// The health checks a member runs: those of the registry's checks that rendezvous hashing over the
// live runner keys gives this member (ownership.ts, runner-presence.ts). HTTP, TCP and gRPC checks
// are probed every interval; TTL checks wait for their clock to run out (ttl-clock.ts). A state is
// written only when flap damping (damping.ts) says it changed, and every write is fenced on this
// member still owning the check as raft sees it (checks-keys-view.ts), so two members that both
// believe they own a check during a handover cannot both write: a member cut off from the majority
// cannot write at all, and one whose runner key expired or who missed a member joining is refused.
import type { Logger } from 'pino';
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { LeaseBackend } from '../../rpc/lease-backend.js';
import type { WatchBackend } from '../../rpc/watch-backend.js';
import type { Compare } from '../../store/mvcc/types.js';
import { instanceKey, type CheckDefinition } from '../layout.js';
import type { Registry } from '../registry.js';
import type { ServiceInstance } from '../registry-view.js';
import { ChecksKeysView } from './checks-keys-view.js';
import { Damping, type ProbeResult } from './damping.js';
import { ownerOf } from './ownership.js';
import { isProbed, probe } from './probe.js';
import { RunnerPresence } from './runner-presence.js';
import { SilentRunnerReaper } from './silent-runner-reaper.js';
import { TtlClock } from './ttl-clock.js';
import { OwnedChecks } from './owned-checks.js';

/** How often owned checks are looked at for deregister_critical_after. */
const SWEEP_MS = 1000;

/**
 * Changes are gathered this long before the checks they touch are looked at again: a burst of
 * writes to a service of many instances is looked at once, not once per write. A change of the
 * live set is looked at without waiting: it is one write, and a dead member's checks wait on it.
 */
const RECONCILE_DELAY_MS = 100;

/**
 * Checks taken over from a member that left start this far apart at most (on average): at once
 * for a few, spread for thousands, so a member's death is no burst...
 */
const TAKEOVER_SPACING_MS = 1;
/**
 * ...but over a quarter of a check's interval at most: its bound is an election timeout plus one
 * interval, and the run, its write and the watchers hearing of it come after the start.
 */
const TAKEOVER_INTERVAL_SHARE = 0.25;

export interface CheckRunnerPort {
  readonly memberId: number;
  readonly kv: KvBackend & WatchBackend;
  readonly leases: LeaseBackend;
  readonly registry: Registry;
  readonly logger: Logger;
  /** The runner key's lease TTL in seconds: how long a dead member's checks wait at most. */
  readonly presenceTtlSeconds: number;
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The term this member leads in; undefined when it does not lead. */
  leaderTerm(): number | undefined;
  /** The leader this member knows of (itself included); undefined when none. */
  leaderId(): number | undefined;
  /** When this member last had a raft message from the member (performance.now()). */
  lastHeardFrom(memberId: number): number | undefined;
}

/** One result of a check this member ran, as it came (before damping). */
export type CheckResultListener = (checkId: string, result: ProbeResult) => void;

interface OwnedCheck {
  readonly service: string;
  readonly instanceId: string;
  readonly createRevision: number;
  readonly lease: bigint;
  readonly definition: CheckDefinition;
  readonly signature: string;
  readonly damping: Damping;
  /** The state's revision damping was last aligned with. */
  seenRevision: number;
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
  deregistering: boolean;
}

const encoder = new TextEncoder();

const ownedKey = (service: string, id: string, checkId: string): string => `${service}/${id}/${checkId}`;

export class CheckRunner {
  private readonly keys: ChecksKeysView;
  private readonly presence: RunnerPresence;
  private readonly ttl: TtlClock;
  private readonly reaper: SilentRunnerReaper;
  private readonly owned = new OwnedChecks<OwnedCheck>();
  private readonly listeners = new Set<CheckResultListener>();
  private unsubscribe: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private joined = false;
  /** Services changed since the last look ('all': the live set or this member's key changed). */
  private pending: Set<string> | 'all' | undefined;
  private pendingTimer: NodeJS.Timeout | undefined;
  /** The pending look is due at once (the live set changed), not after RECONCILE_DELAY_MS. */
  private pendingSoon = false;
  /** The live set the last look at every service decided from: who owned what before. */
  private lastLive: readonly number[] | undefined;
  /** Each check's owner under the current live set (hashing is not free for 10,000 checks). */
  private readonly owners = new Map<string, number | undefined>();

  constructor(private readonly port: CheckRunnerPort) {
    this.keys = new ChecksKeysView(port.kv, port.kv, {
      runnersChanged: () => {
        this.owners.clear();
        this.schedule(undefined, true);
      },
      ttlExpired: (checkId) => void this.ttlExpired(checkId),
    });
    this.presence = new RunnerPresence(
      { memberId: port.memberId, kv: port.kv, leases: port.leases, logger: port.logger, ttlSeconds: port.presenceTtlSeconds, onLease: () => this.schedule(undefined, true) },
      this.keys,
    );
    this.ttl = new TtlClock(port.kv, port.leases, this.keys);
    this.reaper = new SilentRunnerReaper(port, this.keys);
  }

  /** Call once the registry's view is read: runs what this member owns, now and as things change. */
  start(): void {
    if (this.closed) return;
    const { registry } = this.port;
    registry.ttlClock = this.ttl;
    this.unsubscribe = registry.view.onChange((services) => this.schedule(services));
    this.keys.start();
    this.reaper.start();
    this.reconcile(undefined);
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  /** Stops every check and hands them over at once (the runner key's lease is revoked). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    clearInterval(this.sweepTimer);
    clearTimeout(this.pendingTimer);
    this.reaper.stop();
    for (const check of this.owned.values()) this.stop(check);
    this.owned.clear();
    if (this.port.registry.ttlClock === this.ttl) this.port.registry.ttlClock = undefined;
    this.keys.close();
    await this.presence.close();
  }

  /** The ids of the checks this member runs now. */
  ownedChecks(): string[] {
    return [...this.owned.values()].map((c) => c.definition.id).sort();
  }

  /** Members in the live set, as this member sees it. */
  liveMembers(): number[] {
    return this.keys.liveMembers().sort((a, b) => a - b);
  }

  /** Every result of a check run here; returns the unsubscribe. */
  onResult(listener: CheckResultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ------------------------------------------------------------------ ownership

  private ownsHere(checkId: string, live: readonly number[]): boolean {
    if (this.presence.lease === undefined || !live.includes(this.port.memberId)) return false;
    let owner = this.owners.get(checkId);
    if (owner === undefined) this.owners.set(checkId, (owner = ownerOf(checkId, live)));
    return owner === this.port.memberId;
  }

  private schedule(services: ReadonlySet<string> | undefined, soon = false): void {
    if (this.closed) return;
    if (services === undefined) this.pending = 'all';
    else if (this.pending !== 'all') {
      this.pending ??= new Set();
      for (const s of services) this.pending.add(s);
    }
    if (soon && this.pendingTimer && !this.pendingSoon) {
      clearTimeout(this.pendingTimer);
      this.pendingTimer = undefined;
    }
    this.pendingSoon ||= soon;
    this.pendingTimer ??= setTimeout(
      () => {
        this.pendingTimer = undefined;
        this.pendingSoon = false;
        const due = this.pending;
        this.pending = undefined;
        this.reconcile(due === 'all' ? undefined : due);
      },
      soon ? 0 : RECONCILE_DELAY_MS,
    );
  }

  /**
   * Joins the live set once the registry holds a check to run: a cluster that does not use the
   * registry's checks gets no runner keys or leases (its revisions stay etcd's).
   */
  private join(): void {
    if (this.joined || this.closed) return;
    this.joined = true;
    this.presence.start();
  }

  /** Starts the checks this member now owns and stops the others, in `services` or everywhere. */
  private reconcile(services: ReadonlySet<string> | undefined): void {
    if (this.closed) return;
    const view = this.port.registry.view;
    const live = this.keys.liveMembers();
    const before = this.lastLive;
    if (services === undefined) this.lastLive = live;
    const names = services ?? new Set(view.serviceNames());
    const wanted = new Set<string>();
    const takenOver: OwnedCheck[] = [];
    for (const service of names) {
      for (const instance of view.instances(service)) {
        for (const check of instance.checks) {
          if (!check.definition) continue;
          this.join();
          if (!this.ownsHere(check.id, live)) continue;
          const key = ownedKey(service, instance.id, check.id);
          wanted.add(key);
          const started = this.keep(key, instance, check.definition);
          if (started && this.isTakeover(check.id, before, live)) takenOver.push(started);
          else if (started) this.begin(started, Math.random() * started.definition.intervalMs);
        }
      }
    }
    // A check taken over from a member that left may hold a state nobody has confirmed since the
    // member's last run (or a result it never wrote): it runs at once, not somewhere in its interval.
    for (const check of takenOver) this.begin(check, Math.random() * Math.min(check.definition.intervalMs * TAKEOVER_INTERVAL_SHARE, takenOver.length * TAKEOVER_SPACING_MS));
    for (const [key, check] of this.owned) {
      if (wanted.has(key) || (services !== undefined && !services.has(check.service))) continue;
      this.stop(check);
      this.owned.delete(key);
    }
  }

  /**
   * The check was another member's under the live set before, and that member is gone from it now,
   * while this one was in it already (a member that just joined takes nothing over: it starts).
   */
  private isTakeover(checkId: string, before: readonly number[] | undefined, live: readonly number[]): boolean {
    if (!before?.includes(this.port.memberId)) return false;
    const previous = ownerOf(checkId, before);
    return previous !== undefined && previous !== this.port.memberId && !live.includes(previous);
  }

  /**
   * Keeps the check aligned with its state; returns it when it is new here (or was restarted, its
   * definition or registration changed) and waits for begin().
   */
  private keep(key: string, instance: ServiceInstance, definition: CheckDefinition): OwnedCheck | undefined {
    let check = this.owned.get(key);
    // The view decodes a record once per change, so an unchanged check is the same object: its
    // signature is not worked out again every time its service changes.
    const signature = check?.definition === definition ? check.signature : JSON.stringify(definition);
    const state = instance.checks.find((c) => c.id === definition.id);
    if (check && (check.signature !== signature || check.createRevision !== instance.createRevision || check.lease !== instance.lease)) {
      this.stop(check);
      check = undefined;
    }
    const recorded: ProbeResult = { status: state?.status ?? definition.initialStatus, output: state?.health?.output ?? '' };
    if (!check) {
      check = {
        service: instance.service,
        instanceId: instance.id,
        createRevision: instance.createRevision,
        lease: instance.lease,
        definition,
        signature,
        damping: new Damping(definition, recorded),
        seenRevision: state?.modRevision ?? 0,
        timer: undefined,
        stopped: false,
        deregistering: false,
      };
      this.owned.set(key, check);
      return check;
    }
    if ((state?.modRevision ?? 0) > check.seenRevision) {
      // Written by someone else (a report, the previous owner's last result): go on from it.
      check.seenRevision = state?.modRevision ?? 0;
      check.damping.settle(recorded);
    }
    return undefined;
  }

  /**
   * Starts a check: a probed one runs first after `firstRunMs` (a start spreads them over the first
   * interval, so a member's checks do not all run at once; a takeover runs them at once).
   */
  private begin(check: OwnedCheck, firstRunMs: number): void {
    if (isProbed(check.definition)) {
      check.timer = setTimeout(() => void this.run(check), firstRunMs);
      return;
    }
    // A TTL check nobody reported on yet (or whose clock ran out unseen by its last owner) starts
    // its clock, unless it is critical already.
    const ttlMs = check.definition.ttlMs ?? 0;
    if (this.keys.ttlLease(check.definition.id) === undefined && check.damping.current.status !== 'critical' && ttlMs > 0) {
      this.ttl.arm(check.definition.id, ttlMs).catch((err: unknown) => this.port.logger.debug({ err, check: check.definition.id }, 'starting a TTL clock failed'));
    }
  }

  private stop(check: OwnedCheck): void {
    check.stopped = true;
    clearTimeout(check.timer);
  }

  // ------------------------------------------------------------------ running

  private async run(check: OwnedCheck): Promise<void> {
    if (check.stopped) return;
    const started = Date.now();
    const result = await probe(check.definition);
    if (check.stopped) return;
    for (const listener of [...this.listeners]) listener(check.definition.id, result);
    const next = check.damping.observe(result);
    if (next) await this.record(check, next);
    if (check.stopped) return;
    check.timer = setTimeout(() => void this.run(check), Math.max(0, check.definition.intervalMs - (Date.now() - started)));
  }

  /** Writes a state, fenced on this member's ownership; true when it is the recorded state now. */
  private async record(check: OwnedCheck, state: ProbeResult, extraGuard = this.fence()): Promise<boolean> {
    if (!extraGuard) return false;
    try {
      const outcome = await this.port.registry.writer.setHealth(
        check.service,
        check.instanceId,
        check.definition.id,
        state.status,
        state.output,
        { createRevision: check.createRevision, lease: check.lease },
        undefined,
        extraGuard,
      );
      if (outcome === 'no-instance') return false;
      check.damping.settle(state);
      return true;
    } catch (err) {
      this.port.logger.debug({ err, check: check.definition.id }, 'a health check result was not recorded');
      return false;
    }
  }

  private fence(): Compare[] | undefined {
    const lease = this.presence.lease;
    return lease === undefined ? undefined : this.keys.fence(this.presence.key, lease);
  }

  private async ttlExpired(checkId: string): Promise<void> {
    const fence = this.fence();
    if (!fence) return;
    for (const check of this.owned.withCheckId(checkId)) {
      if (check.definition.kind !== 'ttl' || check.stopped) continue;
      const expired: ProbeResult = { status: 'critical', output: 'TTL expired' };
      await this.record(check, expired, [...fence, this.ttl.stillExpired(checkId)]);
    }
  }

  /** deregister_critical_after: a persistent instance critical that long goes, removed by its owner. */
  private sweep(): void {
    const fence = this.fence();
    if (!fence || this.closed) return;
    const now = Date.now();
    const view = this.port.registry.view;
    for (const check of this.owned.values()) {
      const after = check.definition.deregisterCriticalAfterMs;
      if (after <= 0 || check.lease !== 0n || check.stopped || check.deregistering) continue;
      const health = view.get(check.service, check.instanceId)?.checks.find((c) => c.id === check.definition.id)?.health;
      if (health?.status !== 'critical' || now - health.since < after) continue;
      check.deregistering = true;
      // Only the registration this check belongs to, and only while this member owns the check.
      const sameRegistration: Compare = { target: 'create', createRevision: check.createRevision, result: 'equal', key: encoder.encode(instanceKey(check.service, check.instanceId)) };
      this.port.registry.writer.deregister(check.service, check.instanceId, undefined, [...fence, sameRegistration]).then(
        (removed) => {
          check.deregistering = false;
          if (removed) this.port.logger.info({ service: check.service, id: check.instanceId, check: check.definition.id, criticalForMs: now - health.since }, 'deregistered an instance critical for longer than its deregister_critical_after');
        },
        (err: unknown) => {
          check.deregistering = false;
          this.port.logger.debug({ err }, 'deregistering a critical instance failed');
        },
      );
    }
  }
}
