// The loop that drives one member's consensus core, in a member process and in the simulator alike:
// the simulator builds this class over its in-memory disk and seeded network, so every seed it runs
// exercises the ordering members run in production.
//
// For each Ready, in this order:
//   1. a snapshot from the leader waits for the applies before it, then replaces the state;
//   2. messages that depend on nothing this Ready persists (a leader's appends) leave at once;
//   3. the snapshot, entries and hard state are saved — the Ready waits for the write when raft
//      asks for an fsync or something new is written; a lone commit-index move does not wait;
//   4. the other messages leave (a vote or an append acknowledgement may depend on the write);
//   5. committed entries join the apply chain, which applies them in order in the background while
//      the next Ready is saved; raft learns they are applied only once the state holds them, so its
//      one-configuration-change-at-a-time rule and its campaign rule see the state as it is;
//   6. advance(), and the next Ready.
// The driver does no I/O and reads no clock itself: the hooks do the writing and sending, and a
// scheduler decides when a burst of inputs has been taken in.
import type { CallSignal } from '../rpc/call-options.js';
import {
  canSendBeforePersist,
  type ConfChange,
  type ConfChangeEntry,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  type Status,
} from '../raft/index.js';

export interface RaftDriverHooks {
  /** Saves the Ready's snapshot, entries and hard state in one write, synced when `rd.mustSync`. */
  save(rd: Ready): Promise<void>;
  /** Hands messages to the transport; never waits. */
  send(msgs: readonly Message[]): void;
  /** Replaces the state machine's state with a snapshot's; every earlier apply has finished. */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * Applies committed entries, in order, durably; configuration entries also go to
   * driver.applyConfChange. Resolves once the state holds them.
   */
  apply(entries: readonly Entry[]): Promise<void>;
  /** Leader or role changed (the term is the one the change happened in). */
  onSoftState(soft: SoftState, term: number): void;
  /** Read indexes confirmed by the leader: a read may be served once applied reaches its index. */
  onReadStates(states: readonly ReadState[]): void;
  /** Runs right before a Ready is taken: the place to hand raft what was queued meanwhile. */
  beforeReady(): void;
  /** A save, install or apply failed: the member cannot go on. */
  onFatal(error: unknown): void;
}

export interface DriverScheduler {
  /** Runs `fn` once the current burst of inputs has been taken in (a member: setImmediate). */
  soon(fn: () => void): void;
}

/** What the driver tells about raft, read-only: etcd's BasicStatus with the applied index the state holds. */
export interface DriverStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly lead: NodeId;
  readonly role: SoftState['role'];
  /** Highest index the state machine holds. */
  readonly applied: number;
  readonly lastIndex: number;
}

interface AppliedWaiter {
  readonly index: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export class RaftDriver {
  private running = false;
  /** Settles when the Ready loop now running ends. */
  private runEnded: Promise<void> = Promise.resolve();
  private again = false;
  private scheduled = false;
  private stopped = false;
  private stopError: unknown = undefined;
  /** The apply batches in flight, chained so each starts when the one before it is done. */
  private applying: Promise<void> = Promise.resolve();
  private appliedIndex: number;
  private waiters: AppliedWaiter[] = [];
  /** When a message from the leader last arrived (ms since the epoch; 0: never), for Consul's X-Consul-LastContact. */
  private leaderHeardAt = 0;

  constructor(
    private readonly node: RawNode,
    private readonly hooks: RaftDriverHooks,
    private readonly scheduler: DriverScheduler,
    /** What the state machine holds at start (after a restart: the store's applied index). */
    applied: number,
  ) {
    this.appliedIndex = applied;
  }

  // ------------------------------------------------------------ inputs

  tick(): void {
    if (this.stopped) return;
    const st = this.node.basicStatus();
    // A cluster of one need not wait out an election timeout: nobody else could lead it.
    if (st.lead === 0 && this.node.isSoleVoter()) this.node.campaign();
    this.node.tick();
    this.kick();
  }

  step(msgs: readonly Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) this.node.step(m);
    const lead = this.node.basicStatus().lead;
    if (lead !== 0 && msgs.some((m) => m.from === lead)) this.leaderHeardAt = Date.now();
    this.kick();
  }

  /** Milliseconds since the leader was last heard from: 0 on the leader, undefined with no leader known. */
  leaderSilenceMs(): number | undefined {
    const st = this.node.basicStatus();
    if (st.lead === 0) return undefined;
    if (st.lead === st.id) return 0;
    return this.leaderHeardAt === 0 ? undefined : Date.now() - this.leaderHeardAt;
  }

  /** Proposes entries; throws raft's ProposalDroppedError when they can be neither appended nor forwarded. */
  propose(data: readonly Uint8Array[]): void {
    this.node.propose(data);
    this.kick();
  }

  /** Throws raft's ConfChangeRejectedError when the change may not go now. */
  proposeConfChange(cc: ConfChange): void {
    this.node.proposeConfChange(cc);
    this.kick();
  }

  /** Called by the apply hook for each configuration entry it applies. */
  applyConfChange(entry: ConfChangeEntry): ConfState {
    return this.node.applyConfChange(entry);
  }

  readIndex(context: string): void {
    this.node.readIndex(context);
    this.kick();
  }

  transferLeader(to: NodeId): void {
    this.node.transferLeader(to);
    this.kick();
  }

  reportUnreachable(id: NodeId): void {
    this.node.reportUnreachable(id);
    this.kick();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.node.reportSnapshot(id, ok);
    this.kick();
  }

  // ------------------------------------------------------------ what raft says

  status(): DriverStatus {
    const st = this.node.basicStatus();
    return { ...st, applied: this.appliedIndex };
  }

  /** The full status, with the leader's view of each follower's progress. */
  fullStatus(): Status {
    return this.node.status();
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /**
   * The state can already be read up to `index`, though the apply hook has not finished (it is
   * making the batch durable): reads waiting for it may go on. Raft still learns the entries are
   * applied only when the hook resolves.
   */
  markVisible(index: number): void {
    this.markApplied(index);
  }

  /** Resolves once the state machine holds `index`; rejects when the driver stops first, or on `signal`. */
  waitApplied(index: number, signal?: CallSignal): Promise<void> {
    if (index <= this.appliedIndex) return Promise.resolve();
    if (this.stopped) return Promise.reject(this.stopError);
    return new Promise<void>((resolve, reject) => {
      const w: AppliedWaiter = { index, resolve, reject };
      this.waiters.push(w);
      if (!signal) return;
      const abort = (): void => {
        const at = this.waiters.indexOf(w);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal.reason);
      };
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    });
  }

  // ------------------------------------------------------------ the loop

  /** Schedules Ready handling once the current burst of inputs has been taken in (group commit). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.scheduler.soon(() => {
      this.scheduled = false;
      if (this.stopped) return;
      this.hooks.beforeReady();
      // A leader's appends leave now, even while its previous Ready is still being written.
      const early = this.node.takeMessagesBeforePersist();
      if (early.length > 0) this.hooks.send(early);
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let ended = (): void => undefined;
    this.runEnded = new Promise<void>((resolve) => (ended = resolve));
    try {
      do {
        this.again = false;
        while (!this.stopped && this.node.hasReady()) await this.handle(this.node.ready());
      } while (this.again && !this.stopped);
    } catch (e) {
      this.fail(e);
    } finally {
      this.running = false;
      ended();
    }
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.softState) this.hooks.onSoftState(rd.softState, this.node.basicStatus().term);
    if (rd.snapshot) {
      // The log must never claim more than the state holds: the state moves first.
      await this.applying;
      await this.hooks.installSnapshot(rd.snapshot);
      this.markApplied(rd.snapshot.meta.index);
    }
    const late: Message[] = [];
    const early: Message[] = [];
    for (const m of rd.messages) (canSendBeforePersist(m) ? early : late).push(m);
    if (early.length > 0) this.hooks.send(early);
    const saved = this.hooks.save(rd);
    if (rd.mustSync || rd.entries.length > 0 || rd.snapshot) await saved;
    // A lone commit-index move: nothing waits for it (raft relearns a lost commit index), and the
    // hook keeps its writes in order.
    else saved.catch((e: unknown) => this.fail(e));
    if (late.length > 0) this.hooks.send(late);
    if (rd.committedEntries.length > 0) this.enqueueApply(rd.committedEntries);
    if (rd.readStates.length > 0) this.hooks.onReadStates(rd.readStates);
    this.node.advancePersisted();
  }

  private enqueueApply(entries: readonly Entry[]): void {
    const last = entries[entries.length - 1]!.index;
    this.applying = this.applying.then(async () => {
      if (this.stopped) return;
      await this.hooks.apply(entries);
      if (this.stopped) return;
      this.node.appliedTo(last);
      this.markApplied(last);
      // Raft may now hand out more committed entries, or take a configuration change.
      this.kick();
    });
    this.applying.catch((e: unknown) => this.fail(e));
  }

  private markApplied(index: number): void {
    if (index <= this.appliedIndex) return;
    this.appliedIndex = index;
    if (this.waiters.length === 0) return;
    const ready: AppliedWaiter[] = [];
    const keep: AppliedWaiter[] = [];
    for (const w of this.waiters) (w.index <= index ? ready : keep).push(w);
    this.waiters = keep;
    for (const w of ready) w.resolve();
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    this.hooks.onFatal(e);
  }

  /**
   * Stops taking inputs and fails every wait with `error`; resolves once the Ready being handled and
   * the applies in flight have finished their writes (so the storage may close under nothing).
   */
  async stop(error: unknown): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.stopError = error;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.reject(error);
    }
    await this.runEnded;
    await this.applying.catch(() => undefined);
  }
}
