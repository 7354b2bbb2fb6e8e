// The member's leases: grants and revocations go through raft; keepalives and TTL questions are
// answered by the leader's lessor (a follower forwards them to the leader's client API, as an etcd
// client would); the leader revokes what expires and checkpoints what nobody renews. Its clocks run
// on a monotonic clock, and start only once the new leader has applied every entry of the terms
// before its own (promote), so they count from every renewal and checkpoint its predecessors made.
import { randomBytes } from 'node:crypto';
import { Metadata, type ChannelCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { createEtcdClient, type ServiceClient } from '../rpc/etcd-api.js';
import type * as pb from '../rpc/etcd-api.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { CallOptions } from '../rpc/call-options.js';
import type { LeaseBackend, LeaseGrantResult, LeaseTimeToLiveResult } from '../rpc/lease-backend.js';
import { MAX_LEASE_TTL } from '../store/mvcc/validate.js';
import type { LeaseInfo, ResponseFor, WriteRequest } from '../store/mvcc/types.js';
import { Lessor } from './lessor.js';
import type { LeaseChanges } from './applier.js';
import type { LeaderTarget } from './leader-clients.js';

/** What the lease manager needs from its member. */
export interface LeasePort {
  write<R extends WriteRequest>(req: R, call?: CallOptions): Promise<ResponseFor<R>>;
  isLeader(): boolean;
  /** Throws etcd's "rpc not supported for learner" on a learner. */
  refuseOnLearner(): void;
  /** Where the leader's client API is and how to dial it, if a leader is known and has published it. */
  leaderTarget(): LeaderTarget | undefined;
  lease(id: bigint): LeaseInfo | undefined;
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
}

/** Expired leases revoked per expiry round, and checkpoints per proposal (etcd's batching). */
const MAX_REVOKES_PER_ROUND = 500;
const MAX_CHECKPOINTS_PER_PROPOSAL = 1000;
/** How long a follower waits before passing a renewal on again while there is no leader. */
const FORWARD_RETRY_MS = 50;

export class LeaseManager implements LeaseBackend {
  readonly lessor: Lessor;
  private readonly revoking = new Set<bigint>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Callers that reached the leader before its clocks started, waiting for promote(). */
  private awaitingPrimary: (() => void)[] = [];
  private forward:
    | {
        address: string;
        credentials: ChannelCredentials;
        kv: ServiceClient<'Lease'>;
        keepAlive?: ClientDuplexStream<pb.Outgoing<pb.LeaseKeepAliveRequest>, pb.LeaseKeepAliveResponse>;
        /** Keepalives forwarded and not yet answered, by lease ID, in the order they were sent. */
        waiting: Map<string, Pending[]>;
      }
    | undefined;

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
    this.closeForward();
    this.wakePrimaryWaiters();
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
      this.port.write({ type: 'leaseRevoke', request: { id } }).then(
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
    if (!this.port.isLeader()) return { ttl: await this.renewThroughLeader(id), revision: this.port.revision() };
    const lease = this.port.lease(id);
    if (!lease) return { ttl: 0, revision: this.port.revision() };
    // A checkpoint left in the log would make a new leader count down from it, though the holder just
    // renewed: clear it through raft first, as etcd does.
    if (lease.remainingTtl > 0) await this.port.write({ type: 'leaseCheckpoint', request: { checkpoints: [{ id, remainingTtl: 0 }] } }, call);
    if (!this.lessor.renew(id, this.port.now())) {
      if (!this.port.isLeader()) return { ttl: await this.renewThroughLeader(id), revision: this.port.revision() };
      return { ttl: 0, revision: this.port.revision() };
    }
    return { ttl: lease.ttl, revision: this.port.revision() };
  }

  async timeToLive(id: bigint, withKeys: boolean, call?: CallOptions): Promise<LeaseTimeToLiveResult> {
    this.port.refuseOnLearner();
    await this.untilPrimaryOrNotLeader(call);
    const revision = this.port.revision();
    if (!this.port.isLeader()) return this.forwardTimeToLive(id, withKeys);
    const lease = this.port.lease(id);
    if (!lease) return { id, ttl: -1, grantedTtl: 0, keys: [], revision };
    const remaining = this.lessor.remainingSeconds(id, this.port.now()) ?? lease.ttl;
    return { id, ttl: remaining, grantedTtl: lease.ttl, keys: withKeys ? this.port.leaseKeys(id) : [], revision };
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

  // ------------------------------------------------------------------ forwarding to the leader

  private leaderClient(): NonNullable<LeaseManager['forward']> {
    const target = this.port.leaderTarget();
    if (!target) throw new EtcdError('ETCD_NO_LEADER');
    // A new leader, or TLS files that changed: a new connection.
    if (this.forward?.address !== target.address || this.forward.credentials !== target.credentials) {
      this.closeForward();
      const { address, credentials } = target;
      this.forward = { address, credentials, kv: createEtcdClient('Lease', address, { credentials }), waiting: new Map() };
    }
    return this.forward;
  }

  private closeForward(): void {
    if (!this.forward) return;
    const f = this.forward;
    this.forward = undefined;
    f.keepAlive?.cancel();
    // Unanswered is not "no such lease" (TTL 0, which would make a client drop its lease): the
    // client must retry, through us or another member, once a leader is reachable.
    for (const pending of f.waiting.values()) for (const p of pending) p.reject(new EtcdError('ETCD_NO_LEADER'));
    f.kv.close();
  }

  /**
   * A follower's renewal, as etcd's LeaseRenew does it: passed on to the leader, and while there is
   * none (an election), tried again until the request timeout rather than failing the client's
   * keepalive stream at once.
   */
  private async renewThroughLeader(id: bigint): Promise<number> {
    const deadline = this.port.now() + this.requestTimeoutMs();
    for (;;) {
      try {
        return await this.forwardKeepAlive(id);
      } catch (e) {
        const noLeader = e instanceof EtcdError && e.code === 'ETCD_NO_LEADER';
        if (!noLeader || this.closed || this.port.now() + FORWARD_RETRY_MS >= deadline) throw e;
      }
      await new Promise((r) => setTimeout(r, FORWARD_RETRY_MS));
      // This member may have become the leader meanwhile.
      if (this.port.isLeader()) return (await this.keepAlive(id)).ttl;
    }
  }

  /** etcd's request timeout: 5 s plus two election timeouts. */
  private requestTimeoutMs(): number {
    return 5000 + 2 * this.options.electionTimeoutMs;
  }

  private forwardKeepAlive(id: bigint): Promise<number> {
    const f = this.leaderClient();
    if (!f.keepAlive) {
      const stream = f.kv.LeaseKeepAlive(new Metadata());
      f.keepAlive = stream;
      stream.on('data', (res: pb.LeaseKeepAliveResponse) => {
        const queue = f.waiting.get(res.ID);
        const pending = queue?.shift();
        if (queue && queue.length === 0) f.waiting.delete(res.ID);
        pending?.resolve(Number(res.TTL));
      });
      const fail = (): void => {
        if (this.forward === f) this.closeForward();
      };
      stream.on('error', fail);
      stream.on('end', fail);
    }
    return new Promise((resolve, reject) => {
      const key = id.toString();
      const queue = f.waiting.get(key) ?? [];
      const pending: Pending = { resolve, reject };
      queue.push(pending);
      f.waiting.set(key, queue);
      // Backpressure on the forwarding stream only delays the answer; nothing to do about it here.
      f.keepAlive!.write({ ID: key });
      setTimeout(() => {
        const q = f.waiting.get(key);
        const at = q?.indexOf(pending) ?? -1;
        if (at < 0) return;
        q!.splice(at, 1);
        reject(new EtcdError('ETCD_TIMEOUT'));
      }, this.requestTimeoutMs()).unref();
    });
  }

  private forwardTimeToLive(id: bigint, withKeys: boolean): Promise<LeaseTimeToLiveResult> {
    const f = this.leaderClient();
    return new Promise((resolve, reject) => {
      f.kv.LeaseTimeToLive({ ID: id.toString(), keys: withKeys }, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
        if (err || !res) return reject(err ?? new EtcdError('ETCD_TIMEOUT'));
        resolve({ id, ttl: Number(res.TTL), grantedTtl: Number(res.grantedTTL), keys: res.keys, revision: Number(res.header?.revision ?? 0) });
      });
    });
  }
}

interface Pending {
  readonly resolve: (ttl: number) => void;
  readonly reject: (e: unknown) => void;
}

/** A random positive int64, as etcd's are: unique with overwhelming probability. */
function randomLeaseId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}
