// The member's leases: grants and revocations go through raft; keepalives and TTL questions are
// answered by the leader's lessor (a follower passes them on to the leader over the peer protocol,
// as etcd's do over their peer URLs); the leader revokes what expires and checkpoints what nobody
// renews. Its clocks run on a monotonic clock, and start only once the new leader has applied every
// entry of the terms before its own (promote), so they count from every renewal and checkpoint its
// predecessors made.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { CallOptions } from '../rpc/call-options.js';
import type { LeaseBackend, LeaseGrantResult, LeaseTimeToLiveResult } from '../rpc/lease-backend.js';
import { MAX_LEASE_TTL } from '../store/mvcc/validate.js';
import type { LeaseInfo, ResponseFor, WriteRequest } from '../store/mvcc/types.js';
import { Lessor } from './lessor.js';
import type { LeaseChanges } from './applier.js';
import { asEtcdError } from '../rpc/error-mapping.js';
import type { ForwardRequestIn, ForwardRequestOut, ForwardResponseOut, WireLeaseRenewal } from '../rpc/peer-service.js';
import { answerForwarded, etcdErrorOf, type ForwardAnswer } from './leader-forwarding.js';
import { CheckpointClears } from './checkpoint-clears.js';
import { RenewalBatcher, type RenewalOutcome } from './lease-renewal-batcher.js';

/** What the lease manager needs from its member. */
export interface LeasePort {
  write<R extends WriteRequest>(req: R, call?: CallOptions): Promise<ResponseFor<R>>;
  isLeader(): boolean;
  /** Throws etcd's "rpc not supported for learner" on a learner. */
  refuseOnLearner(): void;
  /**
   * Passes a request on to the leader (leader-forwarding.ts): its answer, or the etcd error it
   * refused the request with or that says it could not be asked.
   */
  forwardToLeader(request: ForwardRequestOut, timeoutMs: number): Promise<ForwardAnswer>;
  lease(id: bigint): LeaseInfo | undefined;
  /**
   * Resolves once this member has applied every entry committed when it was called (or after the
   * request timeout): a grant a follower already answered may be committed here and not yet applied.
   */
  untilCommittedApplied(call?: CallOptions): Promise<void>;
  leases(): LeaseInfo[];
  leaseKeys(id: bigint): Uint8Array[];
  revision(): number;
  /** A monotonic clock, in ms: lease expiry must not jump with the wall clock. */
  now(): number;
}

export interface LeaseManagerOptions {
  /** etcd's minimum TTL: 1.5 election timeouts, rounded up to whole seconds. */
  readonly minTtl: number;
  readonly electionTimeoutMs: number;
  readonly checkpointIntervalMs: number;
  readonly logger: Logger;
  /**
   * Run by the leader before it revokes a lease that ran out, for what a revoke alone cannot do (a
   * ZooKeeper session's close moves its ephemerals' parents); the revoke follows, whatever it did,
   * after EXPIRY_HOOK_LIMIT_MS at most.
   */
  readonly beforeExpiredRevoke?: (id: bigint) => Promise<void>;
}

/** Expired leases revoked per expiry round, and checkpoints per proposal (etcd's batching). */
const MAX_REVOKES_PER_ROUND = 500;
const MAX_CHECKPOINTS_PER_PROPOSAL = 1000;
/** The Forward requests the lease manager serves (serveForwarded); the others are membership's. */
export const LEASE_FORWARDS: ReadonlySet<ForwardRequestIn['request']> = new Set(['lease_renew', 'lease_renewals', 'lease_time_to_live']);

/** How long a follower waits before passing a renewal on again while there is no leader. */
const FORWARD_RETRY_MS = 50;
/** The longest an expired lease's revoke waits for beforeExpiredRevoke. */
const EXPIRY_HOOK_LIMIT_MS = 2000;

export class LeaseManager implements LeaseBackend {
  readonly lessor: Lessor;
  private readonly revoking = new Set<bigint>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Renewals of expired leases waiting for their revoke to be applied, woken by onApplied (or demote). */
  private readonly revokeWaiters = new Map<bigint, Set<() => void>>();
  /** Callers that reached the leader before its clocks started, waiting for promote(). */
  private awaitingPrimary: (() => void)[] = [];
  /** A follower's renewals on their way to the leader, many to a call. */
  private readonly renewals = new RenewalBatcher((ids, timeoutMs) => this.forwardRenewals(ids, timeoutMs), { now: () => this.port.now() });
  /** The leader's renewals of checkpointed leases: their clears, many to a proposal. */
  private readonly checkpointClears = new CheckpointClears(async (checkpoints) => {
    await this.port.write({ type: 'leaseCheckpoint', request: { checkpoints } });
  }, MAX_CHECKPOINTS_PER_PROPOSAL);

  constructor(
    private readonly port: LeasePort,
    private readonly options: LeaseManagerOptions,
  ) {
    this.lessor = new Lessor({ checkpointIntervalMs: options.checkpointIntervalMs, promoteExtensionMs: options.electionTimeoutMs });
  }

  start(): void {
    this.timer = setInterval(() => this.onTimer(), 250);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.wakePrimaryWaiters();
    for (const id of [...this.revokeWaiters.keys()]) this.wakeRevokeWaiters(id);
  }

  // ------------------------------------------------------------------ leadership and apply hooks

  /** This member leads and has applied every entry of the terms before its own: start the clocks. */
  promote(): void {
    if (this.lessor.isPrimary) return;
    this.lessor.promote(this.port.leases(), this.port.now());
    this.revoking.clear();
    this.wakePrimaryWaiters();
  }

  /** This member no longer leads: only a leader keeps time. */
  demote(): void {
    if (!this.lessor.isPrimary && this.awaitingPrimary.length === 0) return;
    this.lessor.demote();
    this.revoking.clear();
    for (const id of [...this.revokeWaiters.keys()]) this.wakeRevokeWaiters(id);
    // Whoever waited for this member's clocks asks the new leader instead.
    this.wakePrimaryWaiters();
  }

  private wakePrimaryWaiters(): void {
    const waiting = this.awaitingPrimary;
    this.awaitingPrimary = [];
    for (const wake of waiting) wake();
  }

  /**
   * A leader whose clocks have not started yet (it is applying its predecessors' entries) answers
   * once they have, as etcd's leader waits for its applied index before renewing.
   */
  private async untilPrimaryOrNotLeader(call?: CallOptions): Promise<void> {
    const deadline = this.port.now() + this.requestTimeoutMs();
    while (this.port.isLeader() && !this.lessor.isPrimary) {
      if (this.closed) throw new EtcdError('ETCD_STOPPED');
      if (call?.signal?.aborted) throw call.signal.reason;
      const left = deadline - this.port.now();
      if (left <= 0) throw new EtcdError('ETCD_TIMEOUT');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, FORWARD_RETRY_MS));
        this.awaitingPrimary.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Grants and revokes this member applied. */
  onApplied(changes: LeaseChanges): void {
    const now = this.port.now();
    for (const g of changes.granted) this.lessor.granted(g.id, g.ttl, now);
    for (const id of changes.revoked) {
      this.wakeRevokeWaiters(id);
      this.lessor.revoked(id);
      this.revoking.delete(id);
    }
  }

  /** Leader only: revoke what expired, checkpoint what nobody renews. */
  private onTimer(): void {
    if (!this.lessor.isPrimary) return;
    const now = this.port.now();
    for (const id of this.lessor.expired(now, MAX_REVOKES_PER_ROUND)) {
      if (this.revoking.has(id)) continue;
      this.revoking.add(id);
      this.beforeRevoke(id)
        .then(() => this.port.write({ type: 'leaseRevoke', request: { id } }))
        .then(
          () => this.options.logger.debug({ lease: id.toString(16) }, 'lease expired and revoked'),
          (e: unknown) => {
            // Not applied (no longer leader, timed out): the next round tries again if still due.
            this.revoking.delete(id);
            if (!(e instanceof EtcdError) || e.code !== 'ETCD_LEASE_NOT_FOUND') this.options.logger.warn({ err: e, lease: id.toString(16) }, 'revoking an expired lease failed');
          },
        );
    }
    const checkpoints = this.lessor.dueCheckpoints(now, MAX_CHECKPOINTS_PER_PROPOSAL);
    if (checkpoints.length > 0) {
      this.port.write({ type: 'leaseCheckpoint', request: { checkpoints } }).catch((e: unknown) => {
        this.options.logger.debug({ err: e }, 'lease checkpoint not applied');
      });
    }
  }

  /** The expiry hook, bounded in time and never failing the revoke. */
  private async beforeRevoke(id: bigint): Promise<void> {
    const hook = this.options.beforeExpiredRevoke;
    if (!hook) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, EXPIRY_HOOK_LIMIT_MS);
    });
    const run = hook(id).catch((err: unknown) => this.options.logger.debug({ err, lease: id.toString(16) }, 'the expiry hook failed; revoking anyway'));
    await Promise.race([run, limit]);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ LeaseBackend

  async grant(id: bigint, ttl: number, call?: CallOptions): Promise<LeaseGrantResult> {
    this.port.refuseOnLearner();
    if (ttl > MAX_LEASE_TTL) throw new EtcdError('ETCD_LEASE_TTL_TOO_LARGE');
    // A negative id is an id like any other: etcd 3.4 grants it (it only picks positive ones itself).
    const granted = Math.max(ttl, this.options.minTtl);
    const leaseId = id === 0n ? randomLeaseId() : id;
    const res = await this.port.write({ type: 'leaseGrant', request: { id: leaseId, ttl: granted } }, call);
    return { id: res.response.id, ttl: res.response.ttl, revision: res.response.revision };
  }

  async revoke(id: bigint, call?: CallOptions): Promise<{ revision: number }> {
    this.port.refuseOnLearner();
    const res = await this.port.write({ type: 'leaseRevoke', request: { id } }, call);
    return { revision: res.response.revision };
  }

  async keepAlive(id: bigint, call?: CallOptions): Promise<{ ttl: number; revision: number }> {
    this.port.refuseOnLearner();
    await this.untilPrimaryOrNotLeader(call);
    const renewed = this.port.isLeader() ? await this.renewHere(id, call) : undefined;
    return { ttl: renewed ?? (await this.renewThroughLeader(id, call)), revision: this.port.revision() };
  }

  /** The leader's renewal: the TTL, 0 for no such lease; undefined if this member no longer leads. */
  private async renewHere(id: bigint, call?: CallOptions): Promise<number | undefined> {
    const lease = await this.appliedLease(id, call);
    if (!lease) return 0;
    // Ran out and waiting for its revoke: too late to renew. As etcd's, the answer waits for the
    // revoke, so the holder hears "no such lease" only once its keys are gone.
    if (this.lessor.isExpired(id, this.port.now())) return this.untilRevoked(id, call);
    // A checkpoint left in the log would make a new leader count down from it, though the holder just
    // renewed: clear it through raft first, as etcd does.
    if (lease.remainingTtl > 0) await this.checkpointClears.clear(id);
    if (this.lessor.renew(id, this.port.now())) return lease.ttl;
    if (!this.port.isLeader()) return undefined;
    // The grant is in the state while its batch is on its way to disk, and the clocks hear of it only
    // once that batch is visible: a renewal in between would tell the holder there is no such lease.
    await this.port.untilCommittedApplied(call);
    if (this.lessor.renew(id, this.port.now())) return lease.ttl;
    return this.port.isLeader() ? 0 : undefined;
  }

  /** 0 once the lease's revoke is applied here; undefined if this member stops leading first. */
  private async untilRevoked(id: bigint, call?: CallOptions): Promise<number | undefined> {
    const deadline = this.port.now() + this.requestTimeoutMs();
    while (this.port.lease(id)) {
      if (!this.port.isLeader() || !this.lessor.isPrimary) return undefined;
      if (this.closed) throw new EtcdError('ETCD_STOPPED');
      if (call?.signal?.aborted) throw call.signal.reason;
      const left = deadline - this.port.now();
      if (left <= 0) throw new EtcdError('ETCD_TIMEOUT');
      await this.revokeApplied(id, left, call);
    }
    return 0;
  }

  /** Resolves when a revoke of `id` is applied here, this member stops leading, the call ends, or after `ms`. */
  private revokeApplied(id: bigint, ms: number, call?: CallOptions): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.revokeWaiters.get(id) ?? new Set<() => void>();
      this.revokeWaiters.set(id, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        call?.signal?.removeEventListener('abort', wake);
        waiters.delete(wake);
        if (waiters.size === 0 && this.revokeWaiters.get(id) === waiters) this.revokeWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      call?.signal?.addEventListener('abort', wake, { once: true });
      waiters.add(wake);
    });
  }

  private wakeRevokeWaiters(id: bigint): void {
    for (const wake of [...(this.revokeWaiters.get(id) ?? [])]) wake();
  }

  async timeToLive(id: bigint, withKeys: boolean, call?: CallOptions): Promise<LeaseTimeToLiveResult> {
    this.port.refuseOnLearner();
    await this.untilPrimaryOrNotLeader(call);
    const revision = this.port.revision();
    if (!this.port.isLeader()) return { ...(await this.timeToLiveThroughLeader(id, withKeys, call)), id, revision };
    return { ...(await this.timeToLiveHere(id, withKeys, call)), id, revision };
  }

  /**
   * The lease, looked up again once everything committed is applied before saying there is none:
   * the member that granted it (a follower, say) may have applied the grant before the leader has,
   * and a holder told "no such lease" by its first keepalive gives its session up.
   */
  private async appliedLease(id: bigint, call?: CallOptions): Promise<LeaseInfo | undefined> {
    const lease = this.port.lease(id);
    if (lease) return lease;
    await this.port.untilCommittedApplied(call);
    return this.port.lease(id);
  }

  /** The leader's answer: the seconds left by its clock, -1 for no such lease. */
  private async timeToLiveHere(id: bigint, withKeys: boolean, call?: CallOptions): Promise<Pick<LeaseTimeToLiveResult, 'ttl' | 'grantedTtl' | 'keys'>> {
    const lease = await this.appliedLease(id, call);
    if (!lease) return { ttl: -1, grantedTtl: 0, keys: [] };
    const remaining = this.lessor.remainingSeconds(id, this.port.now()) ?? lease.ttl;
    return { ttl: remaining, grantedTtl: lease.ttl, keys: withKeys ? this.port.leaseKeys(id) : [] };
  }

  async leases(): Promise<{ ids: bigint[]; revision: number }> {
    this.port.refuseOnLearner();
    // As etcd's: soonest expiry first on the leader, which keeps the clocks; a follower, which has
    // none (etcd's lists in no fixed order), keeps the table's id order.
    const ids = this.port.leases().map((l) => l.id);
    const expiry = (id: bigint): number => this.lessor.expiresAt(id) ?? Infinity;
    ids.sort((a, b) => expiry(a) - expiry(b) || (a < b ? -1 : a > b ? 1 : 0));
    return { ids, revision: this.port.revision() };
  }

  // ------------------------------------------------------------------ passing on to the leader

  /**
   * A follower's renewal, as etcd's LeaseRenew does it: passed on to the leader, and while that
   * fails (an election, a leader that just stepped down or went away) tried again until the request
   * timeout rather than failing the client's keepalive stream at once.
   */
  private async renewThroughLeader(id: bigint, call?: CallOptions): Promise<number> {
    return this.throughLeader(
      (timeoutMs) => this.renewals.renew(id, timeoutMs),
      call,
      async () => (await this.keepAlive(id, call)).ttl,
    );
  }

  /** One Forward call with the renewals `ids`: each one's outcome, in order. */
  private async forwardRenewals(ids: readonly bigint[], timeoutMs: number): Promise<RenewalOutcome[]> {
    const answer = await this.port.forwardToLeader({ lease_renewals: { ids: ids.map(String) } }, timeoutMs);
    if (answer.result !== 'lease_renewed') throw new Error(`the leader answered lease renewals with ${answer.result}`);
    return (answer.lease_renewed.results ?? []).map((r): RenewalOutcome => {
      if (r.result === 'ttl') return { ttl: Number(r.ttl) };
      if (r.result === 'etcd_error') return { error: etcdErrorOf(r.etcd_error) };
      return { error: new Error('the leader answered a lease renewal with nothing') };
    });
  }

  /** etcd's LeaseTimeToLive on a follower: the leader's clock, asked as a renewal is. */
  private async timeToLiveThroughLeader(id: bigint, withKeys: boolean, call?: CallOptions): Promise<Pick<LeaseTimeToLiveResult, 'ttl' | 'grantedTtl' | 'keys'>> {
    const request: ForwardRequestOut = { lease_time_to_live: { id: id.toString(), keys: withKeys } };
    const answer = await this.throughLeader((timeoutMs) => this.port.forwardToLeader(request, timeoutMs), call, async () => this.timeToLiveHere(id, withKeys, call));
    if (!('result' in answer)) return answer;
    if (answer.result !== 'lease_time_to_live') throw new Error(`the leader answered a lease time-to-live question with ${answer.result}`);
    const r = answer.lease_time_to_live;
    return { ttl: Number(r.ttl ?? 0), grantedTtl: Number(r.granted_ttl ?? 0), keys: withKeys ? (r.keys ?? []) : [] };
  }

  /**
   * Asks the leader, again while it cannot answer, until the request timeout; `here` answers
   * instead once this member leads itself.
   */
  private async throughLeader<A, T>(ask: (timeoutMs: number) => Promise<A>, call: CallOptions | undefined, here: () => Promise<T>): Promise<A | T> {
    const deadline = this.port.now() + this.requestTimeoutMs();
    for (;;) {
      try {
        return await ask(Math.max(1, deadline - this.port.now()));
      } catch (e) {
        if (!askAgain(e) || this.closed || this.port.now() + FORWARD_RETRY_MS >= deadline) throw e;
      }
      await new Promise((r) => setTimeout(r, FORWARD_RETRY_MS));
      if (call?.signal?.aborted) throw call.signal.reason;
      // This member may have become the leader meanwhile.
      if (this.port.isLeader()) {
        await this.untilPrimaryOrNotLeader(call);
        if (this.port.isLeader()) return here();
      }
    }
  }

  /**
   * The leader's side of a renewal or time-to-live question a follower passed on: answered by this
   * member's clocks, never passed on again; etcd's "not leader" if this member no longer leads.
   */
  serveForwarded(request: ForwardRequestIn): Promise<ForwardResponseOut> {
    return answerForwarded(async () => {
      await this.untilPrimaryOrNotLeader();
      if (!this.port.isLeader()) throw new EtcdError('ETCD_NOT_LEADER');
      switch (request.request) {
        case 'lease_renew': {
          const ttl = await this.renewHere(BigInt(request.lease_renew));
          if (ttl === undefined) throw new EtcdError('ETCD_NOT_LEADER');
          return { lease_ttl: ttl };
        }
        case 'lease_renewals':
          return { lease_renewed: { results: await Promise.all((request.lease_renewals.ids ?? []).map((id) => this.renewForwarded(BigInt(id)))) } };
        case 'lease_time_to_live': {
          const { id, keys } = request.lease_time_to_live;
          const r = await this.timeToLiveHere(BigInt(id ?? '0'), keys ?? false);
          return { lease_time_to_live: { ttl: r.ttl, granted_ttl: r.grantedTtl, keys: r.keys } };
        }
        default:
          throw new Error(`not a lease request: ${String(request.request)}`);
      }
    });
  }

  /** One renewal of a batch a follower passed on: its TTL, or the etcd error it failed with. */
  private async renewForwarded(id: bigint): Promise<WireLeaseRenewal> {
    try {
      const ttl = await this.renewHere(id);
      return ttl === undefined ? { etcd_error: 'ETCD_NOT_LEADER' } : { ttl };
    } catch (e) {
      const etcd = asEtcdError(e);
      if (etcd) return { etcd_error: etcd.code };
      throw e;
    }
  }

  /** etcd's request timeout: 5 s plus two election timeouts. */
  private requestTimeoutMs(): number {
    return 5000 + 2 * this.options.electionTimeoutMs;
  }
}

/**
 * Whether a request passed on to the leader may be asked again: no leader answered it (none known,
 * one that no longer leads, one that could not be reached). A renewal asked twice is harmless.
 */
function askAgain(e: unknown): boolean {
  if (!(e instanceof EtcdError)) return false;
  switch (e.code) {
    case 'ETCD_NO_LEADER':
    case 'ETCD_NOT_LEADER':
    case 'ETCD_LEADER_CHANGED':
    case 'ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST':
    case 'ETCD_UNHEALTHY':
      return true;
    default:
      return false;
  }
}

/** A random positive int64, as etcd's are: unique with overwhelming probability. */
function randomLeaseId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}
