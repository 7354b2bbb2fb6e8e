// This member's proposals: numbered, handed to raft in one batch per Ready, and answered when this
// member applies them — or failed with etcd's errors: too many requests, no leader for too long, a
// leader lost with the proposal, the client's deadline or cancellation, the request timeout, or the
// member stopping. Every proposal is one record in one map, so whatever ends it also forgets it.
import { ProposalDroppedError, type NodeId } from '../raft/index.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { CallOptions, CallSignal } from '../rpc/call-options.js';
import type { ApplyOutcome } from '../store/mvcc/mvcc-store.js';
import type { AuthInfo } from '../store/auth/auth-state.js';
import type { AuthOutcome } from './applier.js';
import type { AlarmInfo } from '../rpc/member-backend.js';
import type { MemberRecord } from './membership.js';
import { encodeProposal, type MemberRequest } from './proposal-codec.js';
import type { RaftDriver } from './raft-driver.js';

/** What a proposal is answered with once this member has applied it. */
export type Applied =
  | { readonly kind: 'write'; readonly outcome: ApplyOutcome }
  /** A membership request (a change, a publish, an update): the member list after it. */
  | { readonly kind: 'members'; readonly members: readonly MemberRecord[] }
  /** An auth change or login: how the apply decided it. */
  | { readonly kind: 'auth'; readonly outcome: AuthOutcome }
  /** An alarm raised or cleared: etcd's answer (the alarm, or none). */
  | { readonly kind: 'alarm'; readonly answer: readonly AlarmInfo[] };

/** etcd's bound on committed entries not yet applied, past which new proposals are refused. */
export const MAX_APPLY_GAP = 5000;

export interface ProposalsOptions {
  readonly self: NodeId;
  readonly maxRequestBytes: number;
  readonly requestTimeoutMs: number;
  readonly electionTimeoutMs: number;
  /** A monotonic clock, in ms. */
  readonly now: () => number;
  /** A proposal failed (refused, timed out, given up by its client) while the member runs: etcd counts these. */
  readonly onFailed?: () => void;
}

interface Pending {
  readonly seq: number;
  /** The encoded proposal; undefined for a configuration change, which goes to raft its own way. */
  readonly data: Uint8Array | undefined;
  /** The term raft took it in; 0 while queued or waiting for a leader. */
  term: number;
  /** When raft first refused it for want of a leader; 0 if it never did. */
  stalledSince: number;
  /** The promise's own settlers: end() must run first (see resolve and reject). */
  readonly settle: (a: Applied) => void;
  readonly fail: (e: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  readonly signal: CallSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class Proposals {
  /** Sequence numbers are unique per process life: its start time is folded in. */
  private readonly seqBase = Date.now() * 1024;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private queue: Pending[] = [];
  private stalled: Pending[] = [];
  private stoppedWith: unknown = undefined;

  constructor(
    private readonly driver: RaftDriver,
    private readonly options: ProposalsOptions,
  ) {}

  /** Proposals waiting for their outcome. */
  get size(): number {
    return this.pending.size;
  }

  /** Proposes a request (a client's, with the user its credentials named); resolves once this member has applied it. */
  propose(request: MemberRequest, call: CallOptions = {}, who?: AuthInfo): Promise<Applied> {
    if (this.stoppedWith !== undefined) return Promise.reject(this.stoppedWith);
    const seq = this.nextSeq();
    const data = encodeProposal(who ? { proposer: this.options.self, seq, request, who } : { proposer: this.options.self, seq, request });
    if (data.length > this.options.maxRequestBytes) return Promise.reject(new EtcdError('ETCD_REQUEST_TOO_LARGE'));
    const st = this.driver.status();
    // As etcd: when applying falls this far behind committing, new work is refused rather than queued.
    if (st.commit - st.applied > MAX_APPLY_GAP) return Promise.reject(new EtcdError('ETCD_TOO_MANY_REQUESTS'));
    const done = this.track(seq, data, call);
    const p = this.pending.get(seq);
    if (p) {
      this.queue.push(p);
      this.driver.kick();
    }
    return done;
  }

  /**
   * A sequence number for a configuration change this member proposes itself (it travels in the
   * change's context), and the promise its application answers.
   */
  reserve(call: CallOptions = {}): { seq: number; done: Promise<Applied> } {
    const seq = this.nextSeq();
    if (this.stoppedWith !== undefined) return { seq, done: Promise.reject(this.stoppedWith) };
    const done = this.track(seq, undefined, call);
    const p = this.pending.get(seq);
    if (p) p.term = this.driver.status().term;
    return { seq, done };
  }

  private nextSeq(): number {
    return this.seqBase + ++this.seq;
  }

  private track(seq: number, data: Uint8Array | undefined, call: CallOptions): Promise<Applied> {
    let p: Pending | undefined;
    const done = new Promise<Applied>((settle, fail) => {
      p = { seq, data, term: 0, stalledSince: 0, settle, fail, timer: undefined, signal: call.signal, onAbort: undefined };
    });
    const pending = p!;
    this.pending.set(seq, pending);
    const deadline = call.deadline === undefined ? Infinity : call.deadline - Date.now();
    pending.timer = setTimeout(this.onTimeout, Math.max(0, Math.min(this.options.requestTimeoutMs, deadline)), seq);
    const signal = call.signal;
    if (signal) {
      const onAbort = (): void => this.reject(seq, signal.reason instanceof EtcdError ? signal.reason : new EtcdError('ETCD_CANCELED'));
      if (signal.aborted) onAbort();
      else {
        pending.onAbort = onAbort;
        signal.addEventListener('abort', onAbort, { once: true });
      }
    }
    return done;
  }

  private readonly onTimeout = (seq: number): void => this.reject(seq, new EtcdError('ETCD_TIMEOUT'));

  /** Forgets a proposal, before its promise settles. */
  private end(p: Pending): void {
    clearTimeout(p.timer);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    this.pending.delete(p.seq);
  }

  /** Applied here: its client gets the outcome. */
  resolve(seq: number, applied: Applied): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.end(p);
    p.settle(applied);
  }

  reject(seq: number, error: unknown): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.end(p);
    if (this.stoppedWith === undefined) this.options.onFailed?.();
    p.fail(error);
  }

  /** Hands every proposal queued since the last Ready to raft in one call (one append). */
  flush(): void {
    if (this.queue.length === 0) return;
    // Those that ended while queued (cancelled, timed out) never reach the log.
    const batch = this.queue.filter((p) => this.pending.has(p.seq));
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.driver.propose(batch.map((p) => p.data!));
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      if (e.overloaded) {
        for (const p of batch) this.reject(p.seq, new EtcdError('ETCD_TOO_MANY_REQUESTS'));
        return;
      }
      const now = this.options.now();
      for (const p of batch) {
        if (p.stalledSince === 0) p.stalledSince = now;
        this.stalled.push(p);
      }
      return;
    }
    const term = this.driver.status().term;
    for (const p of batch) p.term = term;
  }

  /** Proposes again what was refused for want of a leader; gives up after two election timeouts. */
  tick(): void {
    if (this.stalled.length === 0) return;
    const now = this.options.now();
    const giveUp = 2 * this.options.electionTimeoutMs;
    const again: Pending[] = [];
    for (const p of this.stalled) {
      if (!this.pending.has(p.seq)) continue;
      if (now - p.stalledSince >= giveUp) this.reject(p.seq, new EtcdError('ETCD_NO_LEADER'));
      else again.push(p);
    }
    this.stalled = [];
    if (again.length === 0) return;
    this.queue = again.concat(this.queue);
    this.driver.kick();
  }

  /** A leader is known again: what waited for one goes now. */
  onLeader(term: number): void {
    this.failProposalsOfEarlierTerms(term);
    if (this.stalled.length === 0) return;
    this.queue = this.stalled.concat(this.queue);
    this.stalled = [];
    this.driver.kick();
  }

  /**
   * A proposal handed to an earlier leader that is still not applied an election timeout after a new
   * leader was elected was most likely lost with it. Its client hears so then, with etcd's "possibly
   * due to previous leader failure" (the outcome is unknown), instead of at the request timeout.
   */
  private failProposalsOfEarlierTerms(term: number): void {
    const earlier: number[] = [];
    for (const p of this.pending.values()) if (p.term > 0 && p.term < term) earlier.push(p.seq);
    if (earlier.length === 0) return;
    setTimeout(() => {
      for (const seq of earlier) this.reject(seq, new EtcdError('ETCD_TIMEOUT_DUE_TO_LEADER_FAIL'));
    }, this.options.electionTimeoutMs).unref();
  }

  /** The member stops: everything pending fails with `error`, and so does anything proposed later. */
  stop(error: unknown): void {
    this.stoppedWith = error;
    this.queue = [];
    this.stalled = [];
    for (const seq of [...this.pending.keys()]) this.reject(seq, error);
  }
}
