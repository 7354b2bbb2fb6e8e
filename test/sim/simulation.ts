// A whole cluster in one thread: seeded network, seeded clock, seeded faults. `runSimulation(seed)`
// is a pure function of its options; a failing seed replays exactly, with a trace.
//
// A run has two phases. During the fault phase clients propose and read all the time while a
// nemesis partitions, crashes, restarts and pauses members, the network drops, duplicates and
// reorders messages, and (if enabled) the membership changes 3 → 5 → 3 … with learners promoted.
// Then everything heals, and the cluster must elect a leader and commit every new proposal within a
// bound. Safety invariants are checked after every event throughout.
import { bootstrapState, MemoryStorage, ProposalDroppedError, RaftError, type ConfChange, type Entry, type Message, type NodeId, type Ready } from '../../raft/index.js';
import { raftOf } from '../../raft/testing.js';
import type { RaftDriverHooks } from '../../cluster/raft-driver.js';
import { describeEntry, describeMessage } from './describe.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker, InvariantViolation } from './invariants.js';
import { Prng } from './prng.js';
import { SimMember, type RaftFactory } from './sim-member.js';
import { CALM, SimNetwork } from './sim-network.js';
import { applyEntry, decodeState, encodeState, entryFingerprint } from './state-machine.js';

export interface SimOptions {
  readonly seed: number;
  /** Record a trace of every event (slower; for replaying one seed). */
  readonly trace?: boolean;
  /** Replace the Raft implementation (tests inject deliberate bugs this way). */
  readonly makeRaft?: RaftFactory;
  /** Length of the fault phase, in time units (a tick is 10). Default 4000. */
  readonly faultTime?: number;
}

export interface SimStats {
  voters: number;
  membershipChanges: boolean;
  events: number;
  proposed: number;
  acked: number;
  reads: number;
  elections: number;
  crashes: number;
  partitions: number;
  snapshotsSent: number;
  confChanges: number;
  highestCommitted: number;
  /** Apply batches that took long, so raft went on while the state lagged. */
  slowApplies: number;
  /** Ticks from healing to the last liveness proposal committing everywhere. */
  recoveryTicks: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly trace: readonly string[];
  readonly stats: SimStats;
}

const TICK = 10;
const UNIVERSE: readonly NodeId[] = [1, 2, 3, 4, 5];
/** After healing, a leader must be elected and every liveness proposal commit within this many ticks. */
export const LIVENESS_BOUND_TICKS = 300;

type SimEvent =
  | { kind: 'tick'; id: NodeId }
  | { kind: 'deliver'; msg: Message }
  | { kind: 'snapshotLost'; msg: Message }
  | { kind: 'run'; id: NodeId; life: number; fn: () => void }
  | { kind: 'persisted'; id: NodeId; life: number; rd: Ready; done: () => void }
  | { kind: 'applied'; id: NodeId; life: number; entries: readonly Entry[]; done: () => void }
  | { kind: 'client' }
  | { kind: 'nemesis' }
  | { kind: 'membership' }
  | { kind: 'restart'; id: NodeId; life: number }
  | { kind: 'resume'; id: NodeId; life: number }
  | { kind: 'heal' }
  | { kind: 'liveness' };

interface PendingWrite {
  readonly member: NodeId;
  readonly life: number;
}

interface PendingRead {
  readonly member: NodeId;
  readonly life: number;
  /** The highest index of any write acknowledged before the read began: the read must not miss it. */
  readonly mustSee: number;
}

class Simulation {
  private readonly prng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly net: SimNetwork;
  private readonly members = new Map<NodeId, SimMember>();
  private readonly checker = new InvariantChecker();
  private readonly trace: string[] = [];
  private now = 0;
  private healed = false;
  private readonly faultTime: number;
  private nextValue = 0;
  private readonly pendingWrites = new Map<string, PendingWrite>();
  private readonly pendingReads = new Map<string, PendingRead>();
  private highestAcked = 0;
  /** Liveness proposals still waiting to be applied by every voter. */
  private readonly livenessValues = new Map<string, number>();
  private livenessProposed = 0;
  private livenessDoneCount = 0;
  private livenessSince = 0;
  private livenessDone = -1;
  private growing = true;
  /** Something the drivers' hooks threw, or a driver reported fatal: the run fails with it. */
  private fatal: unknown = undefined;
  /** Driver work of paused members, held until they resume (a paused process runs nothing). */
  private readonly held = new Map<NodeId, SimEvent[]>();
  /** Work the drivers scheduled during the current event. */
  private readonly soon: (() => void)[] = [];
  readonly stats: SimStats;

  constructor(private readonly opts: SimOptions) {
    this.prng = new Prng(opts.seed);
    this.net = new SimNetwork(this.prng.fork());
    this.faultTime = opts.faultTime ?? 4000;
    const voters = this.prng.chance(0.5) ? 3 : 5;
    const membershipChanges = voters === 3 ? this.prng.chance(0.7) : this.prng.chance(0.3);
    this.stats = {
      voters,
      membershipChanges,
      events: 0,
      proposed: 0,
      acked: 0,
      reads: 0,
      elections: 0,
      crashes: 0,
      partitions: 0,
      snapshotsSent: 0,
      confChanges: 0,
      highestCommitted: 0,
      slowApplies: 0,
      recoveryTicks: 0,
    };
    this.growing = voters === 3;
    const initial = UNIVERSE.slice(0, voters);
    for (const id of UNIVERSE) {
      // Initial voters start from a bootstrap snapshot holding the configuration; the rest are blank
      // machines that join when the membership driver adds them.
      const disk = new MemoryStorage();
      if (initial.includes(id)) {
        const boot = bootstrapState(initial);
        disk.append(boot.entries);
        disk.setHardState(boot.hardState);
      }
      const m = new SimMember(id, disk, this.prng.fork(), opts.makeRaft);
      this.members.set(id, m);
      this.held.set(id, []);
      this.boot(m);
      this.queue.push(this.prng.range(0, TICK - 1), { kind: 'tick', id });
    }
    this.net.faults = {
      drop: this.prng.pick([0, 0.01, 0.05, 0.1, 0.2]),
      duplicate: this.prng.pick([0, 0.01, 0.05]),
      minDelay: 1,
      maxDelay: this.prng.pick([3, 8, 20]),
      slow: this.prng.pick([0, 0.02, 0.1]),
      slowDelay: this.prng.range(20, 80),
    };
    this.queue.push(5, { kind: 'client' });
    this.queue.push(this.prng.range(100, 400), { kind: 'nemesis' });
    if (membershipChanges) this.queue.push(this.prng.range(200, 600), { kind: 'membership' });
    this.queue.push(this.faultTime, { kind: 'heal' });
  }

  private log(line: string): void {
    if (this.opts.trace) this.trace.push(`${String(this.now).padStart(6)} ${line}`);
  }

  async run(): Promise<void> {
    const deadline = this.faultTime + LIVENESS_BOUND_TICKS * TICK;
    let unsettled = false;
    for (;;) {
      // A driver's scheduled work runs once the inputs before it are taken in, as setImmediate would.
      if (this.soon.length > 0) {
        for (const fn of this.soon.splice(0)) fn();
        unsettled = true;
        continue;
      }
      // The drivers' code resumes in promise continuations: they all run before time moves on
      // (they may schedule more work, or queue events for now, which also run before it moves on).
      if (unsettled && this.queue.peekTime() > this.now) {
        await settle();
        unsettled = false;
        if (this.fatal !== undefined) throw this.fatal;
        continue;
      }
      const item = this.queue.pop();
      if (!item) throw new Error('simulation ran out of events');
      this.now = item.time;
      this.stats.events++;
      if (this.handle(item.event)) unsettled = true;
      if (this.livenessDone >= 0) return;
      if (this.now > deadline) {
        const leader = this.leader();
        throw new LivenessFailure(
          `liveness: ${LIVENESS_BOUND_TICKS} ticks after healing, ${leader === null ? 'no leader' : `leader ${leader.id}`} and ` +
            `${this.livenessValues.size} proposal(s) not applied by every voter`,
        );
      }
    }
  }

  /** Handles one event; true when it may have resolved a driver's promise. */
  private handle(ev: SimEvent): boolean {
    switch (ev.kind) {
      case 'tick': {
        const m = this.members.get(ev.id)!;
        if (m.driver && !m.paused) m.driver.tick();
        this.queue.push(this.now + TICK, ev);
        return false;
      }
      case 'deliver':
        this.deliver(ev.msg);
        return false;
      case 'snapshotLost': {
        this.members.get(ev.msg.from)!.driver?.reportSnapshot(ev.msg.to, false);
        return false;
      }
      case 'run':
      case 'persisted':
      case 'applied': {
        const m = this.members.get(ev.id)!;
        if (m.life !== ev.life || !m.driver) return false; // crashed meanwhile: it never happened
        if (m.paused) {
          this.held.get(m.id)!.push(ev);
          return false;
        }
        if (ev.kind === 'run') ev.fn();
        else if (ev.kind === 'persisted') this.onPersisted(m, ev.rd);
        else this.onAppliedBatch(m, ev.entries);
        if (ev.kind !== 'run') ev.done();
        return true;
      }
      case 'client':
        this.clientOp();
        this.queue.push(this.now + this.prng.range(2, 25), ev);
        return false;
      case 'nemesis':
        if (this.healed) return false;
        this.nemesis();
        this.queue.push(this.now + this.prng.range(50, 400), ev);
        return false;
      case 'membership':
        if (this.healed) return false;
        this.membershipStep();
        this.queue.push(this.now + this.prng.range(50, 300), ev);
        return false;
      case 'restart': {
        const m = this.members.get(ev.id)!;
        if (m.up || m.life !== ev.life) return false;
        this.log(`member ${m.id} restarts`);
        this.boot(m);
        return false;
      }
      case 'resume': {
        const m = this.members.get(ev.id)!;
        if (!m.paused || m.life !== ev.life) return false;
        this.resume(m);
        return false;
      }
      case 'heal':
        this.heal();
        return false;
      case 'liveness':
        this.livenessStep();
        return false;
    }
  }

  // ------------------------------------------------------------ the members' drivers

  /** Starts a member on its disk, with the driver members run, wired to this simulation. */
  private boot(m: SimMember): void {
    const { id, life } = m;
    const current = (): boolean => m.life === life && m.driver !== null;
    const hooks: RaftDriverHooks = {
      save: (rd) =>
        new Promise<void>((done) => {
          // Most writes take a few time units; some fsyncs are slow.
          const latency = this.prng.chance(0.05) ? this.prng.range(10, 40) : this.prng.range(1, 3);
          this.queue.push(this.now + latency, { kind: 'persisted', id, life, rd, done });
        }),
      send: (msgs) => {
        for (const msg of msgs) this.send(msg);
      },
      installSnapshot: async (snap) => {
        const st = decodeState(snap.data);
        this.checker.onInstallSnapshot(id, snap, st);
        m.state = st;
        m.confState = snap.meta.confState;
        this.log(`member ${id} installed snapshot ${snap.meta.index}`);
      },
      apply: (entries) =>
        new Promise<void>((done) => {
          // As the member's applier does: configuration changes reach raft when the batch starts,
          // the state holds the batch only when its write is done.
          for (const e of entries) {
            if (e.type !== 'confChange') continue;
            m.confState = m.driver!.applyConfChange(e);
            this.log(`member ${id} applies ${describeEntry(e)} → voters ${m.confState.voters.join(',')} learners ${m.confState.learners.join(',') || '-'}`);
          }
          // Applies run behind the log; some are slow, so raft goes on while they lag.
          const slow = this.prng.chance(0.08);
          if (slow) this.stats.slowApplies++;
          const latency = slow ? this.prng.range(20, 120) : this.prng.range(0, 3);
          this.queue.push(this.now + latency, { kind: 'applied', id, life, entries, done });
        }),
      onSoftState: (soft, term) => {
        if (!current()) return;
        this.log(`member ${id} is ${soft.role} (term ${term}, leader ${soft.lead})`);
        if (soft.role === 'leader') {
          this.stats.elections++;
          this.checker.onLeader(id, raftOf(m.node!));
        }
      },
      onReadStates: (states) => {
        for (const rs of states) this.onReadState(m, rs.context, rs.index);
      },
      beforeReady: () => undefined,
      onFatal: (e) => {
        this.fatal ??= e;
      },
    };
    m.start(hooks, {
      soon: (fn) => {
        // Held while paused; dropped once the member crashed.
        if (m.paused) this.held.get(id)!.push({ kind: 'run', id, life, fn });
        else if (current()) this.soon.push(fn);
      },
    });
    this.checker.resetMember(id);
  }

  private send(msg: Message): void {
    const times = this.net.deliveries(this.now);
    for (const at of times) this.queue.push(at, { kind: 'deliver', msg });
    if (msg.type === 'snapshot') {
      this.stats.snapshotsSent++;
      // A real transport always reports how a snapshot transfer ended, lost ones included.
      if (times.length === 0) this.queue.push(this.now + this.net.faults.maxDelay, { kind: 'snapshotLost', msg });
    }
  }

  private deliver(msg: Message): void {
    const from = this.members.get(msg.from);
    const to = this.members.get(msg.to);
    const lost = !to || !to.driver || this.net.isCut(msg.from, msg.to);
    if (msg.type === 'snapshot' && from?.driver) {
      // The transport tells the sender how a snapshot transfer ended.
      from.driver.reportSnapshot(msg.to, !lost);
    } else if (lost && from?.driver && this.net.isCut(msg.from, msg.to)) {
      from.driver.reportUnreachable(msg.to);
    }
    if (lost) return;
    if (to.paused) {
      to.inbox.push(msg);
      return;
    }
    this.log(describeMessage(msg));
    to.driver!.step([msg]);
  }

  /** A save finished: what it wrote is durable now. */
  private onPersisted(m: SimMember, rd: Ready): void {
    if (rd.snapshot) m.disk.applySnapshot(rd.snapshot);
    m.disk.append(rd.entries);
    if (rd.hardState) m.disk.setHardState(rd.hardState);
    if (rd.snapshot) this.checker.resetMember(m.id);
    this.checker.onPersistEntries(m.id, m.disk, rd.entries);
    if (rd.hardState) this.checker.onPersistCommit(m.id, m.disk, rd.hardState.commit);
  }

  /** An apply batch finished: the state holds its entries now. */
  private onAppliedBatch(m: SimMember, entries: readonly Entry[]): void {
    for (const e of entries) {
      const before = m.state;
      const after = applyEntry(before, e);
      this.checker.onApply(m.id, before, e, after);
      m.state = after;
      if (e.type === 'normal' && e.data.length > 0) this.onApplied(m, e.index, new TextDecoder().decode(e.data), entryFingerprint(e));
    }
    if (m.maybeSnapshot(encodeState)) this.log(`member ${m.id} snapshot at ${m.state.index}`);
  }

  // ------------------------------------------------------------ clients

  private clientOp(): void {
    const candidates = [...this.members.values()].filter((m) => m.driver && !m.paused);
    if (candidates.length === 0) return;
    const m = this.prng.pick(candidates);
    if (this.prng.chance(0.2)) {
      const ctx = `r${this.nextValue++}`;
      try {
        m.driver!.readIndex(ctx);
        this.stats.reads++;
        this.pendingReads.set(ctx, { member: m.id, life: m.life, mustSee: this.highestAcked });
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
    } else {
      this.propose(m, `v${this.nextValue++}`);
    }
  }

  private propose(m: SimMember, value: string): boolean {
    try {
      m.driver!.propose([new TextEncoder().encode(value)]);
    } catch (e) {
      if (e instanceof ProposalDroppedError) return false;
      throw e;
    }
    this.stats.proposed++;
    this.pendingWrites.set(value, { member: m.id, life: m.life });
    return true;
  }

  /** The member a client proposed to applied the value: the client gets its acknowledgement. */
  private onApplied(m: SimMember, index: number, value: string, fp: number): void {
    const w = this.pendingWrites.get(value);
    if (w && w.member === m.id && w.life === m.life) {
      this.pendingWrites.delete(value);
      this.stats.acked++;
      if (index > this.highestAcked) this.highestAcked = index;
      if (this.checker.appliedFingerprint(index) !== fp) throw new InvariantViolation(`acknowledged write ${value} at ${index} is not what was applied there`);
    }
    if (this.livenessValues.has(value)) this.livenessValues.set(value, index);
  }

  private onReadState(m: SimMember, context: string, index: number): void {
    const r = this.pendingReads.get(context);
    if (!r || r.member !== m.id || r.life !== m.life) return;
    this.pendingReads.delete(context);
    // Linearizable: the read point covers every write acknowledged before the read began.
    if (index < r.mustSee) {
      throw new InvariantViolation(`read index: read ${context} at member ${m.id} got index ${index}, but write at ${r.mustSee} was acknowledged before it began`);
    }
  }

  // ------------------------------------------------------------ faults

  private upMembers(): SimMember[] {
    return [...this.members.values()].filter((m) => m.up);
  }

  private leader(): SimMember | null {
    let best: SimMember | null = null;
    for (const m of this.members.values()) {
      const st = m.driver?.status();
      if (st && !m.paused && st.role === 'leader' && (!best || st.term > best.driver!.status().term)) best = m;
    }
    return best;
  }

  private nemesis(): void {
    const ids = [...UNIVERSE];
    const action = this.prng.pick(['partition', 'isolate-leader', 'one-way', 'bridge', 'crash', 'crash-leader', 'pause', 'heal', 'heal']);
    switch (action) {
      case 'partition': {
        const shuffled = shuffle(ids, this.prng);
        const cut = this.prng.range(1, ids.length - 1);
        this.net.heal();
        this.net.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
        this.stats.partitions++;
        this.log(`nemesis: partition ${shuffled.slice(0, cut).join(',')} | ${shuffled.slice(cut).join(',')}`);
        return;
      }
      case 'isolate-leader': {
        const l = this.leader();
        if (!l) return;
        this.net.heal();
        this.net.partition([[l.id], ids.filter((i) => i !== l.id)]);
        this.stats.partitions++;
        this.log(`nemesis: isolate leader ${l.id}`);
        return;
      }
      case 'one-way': {
        const n = this.prng.range(1, 4);
        for (let i = 0; i < n; i++) {
          const a = this.prng.pick(ids);
          const b = this.prng.pick(ids.filter((x) => x !== a));
          this.net.cutOneWay(a, b);
        }
        this.stats.partitions++;
        this.log(`nemesis: one-way cuts ${this.net.describeCuts()}`);
        return;
      }
      case 'bridge': {
        // Two sides that can only reach each other through one member.
        const shuffled = shuffle(ids, this.prng);
        const bridge = shuffled[0]!;
        const rest = shuffled.slice(1);
        const half = Math.floor(rest.length / 2);
        this.net.heal();
        this.net.partition([rest.slice(0, half), rest.slice(half)]);
        this.stats.partitions++;
        this.log(`nemesis: bridge ${bridge} between ${rest.slice(0, half).join(',')} and ${rest.slice(half).join(',')}`);
        return;
      }
      case 'crash':
      case 'crash-leader': {
        const up = this.upMembers();
        const target = action === 'crash-leader' ? this.leader() : up.length > 0 ? this.prng.pick(up) : null;
        if (target) this.crash(target);
        return;
      }
      case 'pause': {
        const up = this.upMembers().filter((m) => !m.paused);
        if (up.length === 0) return;
        const m = this.prng.pick(up);
        m.paused = true;
        this.log(`nemesis: pause ${m.id}`);
        this.queue.push(this.now + this.prng.range(30, 300), { kind: 'resume', id: m.id, life: m.life });
        return;
      }
      default:
        this.net.heal();
        this.log('nemesis: heal network');
        return;
    }
  }

  private crash(m: SimMember): void {
    m.crash();
    this.held.get(m.id)!.length = 0;
    this.stats.crashes++;
    this.log(`nemesis: crash ${m.id}`);
    this.queue.push(this.now + this.prng.range(20, 500), { kind: 'restart', id: m.id, life: m.life });
  }

  private resume(m: SimMember): void {
    m.paused = false;
    this.log(`member ${m.id} resumes with ${m.inbox.length} queued messages`);
    m.driver!.step(m.inbox.splice(0));
    // What its driver was doing when it paused goes on now, in the order it was due.
    const held = this.held.get(m.id)!.splice(0);
    for (const ev of held) this.queue.push(this.now, ev);
  }

  // ------------------------------------------------------------ membership changes

  /** Moves the configuration one step towards 5 voters, then back to 3, and so on. */
  private membershipStep(): void {
    const l = this.leader();
    if (!l) return;
    const st = l.driver!.fullStatus();
    const { voters, learners } = st.confState;
    let cc: ConfChange | null = null;
    if (this.growing) {
      const learner = learners[0];
      if (learner !== undefined) {
        const pr = st.progress.get(learner);
        if (pr && pr.match + 5 >= st.lastIndex) cc = { type: 'addVoter', nodeId: learner };
      } else if (voters.length < 5) {
        const outside = UNIVERSE.filter((id) => !voters.includes(id));
        cc = { type: 'addLearner', nodeId: this.prng.pick(outside) };
      } else this.growing = false;
    } else {
      if (learners.length > 0) cc = { type: 'removeNode', nodeId: learners[0]! };
      else if (voters.length > 3) cc = { type: 'removeNode', nodeId: this.prng.pick(voters) };
      else this.growing = true;
    }
    if (!cc) return;
    try {
      l.driver!.proposeConfChange(cc);
      this.stats.confChanges++;
      this.log(`membership: leader ${l.id} proposes ${cc.type}(${cc.nodeId})`);
      this.checkOneChangeAtATime(l);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  /**
   * Raft's one-change-at-a-time rule, as the state machine sees it: a leader takes a configuration
   * change only when its state holds every earlier one in its log. Raft must know what the state
   * holds, not merely what it handed out for applying.
   */
  private checkOneChangeAtATime(l: SimMember): void {
    const log = raftOf(l.node!).log;
    const last = log.lastIndex();
    const from = Math.max(log.firstIndex(), l.state.index + 1);
    for (const e of log.slice(from, last, Number.MAX_SAFE_INTEGER)) {
      if (e.type === 'confChange') {
        throw new InvariantViolation(
          `one change at a time: leader ${l.id} took a configuration change at ${last} while its state (at ${l.state.index}) does not hold the change at ${e.index}`,
        );
      }
    }
  }

  // ------------------------------------------------------------ healing and liveness

  private heal(): void {
    this.healed = true;
    this.net.heal();
    this.net.faults = CALM;
    this.log('heal: network calm, every member up');
    for (const m of this.members.values()) {
      if (!m.up) {
        this.boot(m);
      } else if (m.paused) this.resume(m);
    }
    this.queue.push(this.now + TICK, { kind: 'liveness' });
  }

  /**
   * After healing, a client proposes values one at a time through the leader; each must reach every
   * voter. Like any client it retries a proposal that has not committed for a while (a leader that
   * steps down loses what it had not committed, which is allowed).
   */
  private livenessStep(): void {
    const l = this.leader();
    for (const [value, index] of this.livenessValues) {
      if (index > 0 && l && this.appliedByAllVoters(l, index)) {
        this.livenessValues.delete(value);
        this.livenessDoneCount++;
      }
    }
    const stale = this.livenessValues.size > 0 && index0(this.livenessValues) === 0 && this.now - this.livenessSince > 30 * TICK;
    if (stale) this.livenessValues.clear();
    if (l && this.livenessValues.size === 0 && this.livenessDoneCount < 5) {
      const value = `live${this.livenessProposed++}`;
      if (this.propose(l, value)) {
        this.livenessValues.set(value, 0);
        this.livenessSince = this.now;
        this.log(`liveness: proposed ${value} at leader ${l.id}`);
      }
    }
    if (this.livenessDoneCount === 5) {
      this.livenessDone = this.now;
      this.stats.recoveryTicks = Math.ceil((this.now - this.faultTime) / TICK);
      return;
    }
    this.queue.push(this.now + TICK, { kind: 'liveness' });
  }

  private appliedByAllVoters(leader: SimMember, index: number): boolean {
    return leader.confState.voters.every((id) => this.members.get(id)!.state.index >= index);
  }

  finish(): void {
    this.stats.highestCommitted = this.checker.highestCommitted;
  }

  get traceLines(): readonly string[] {
    return this.trace;
  }
}

class LivenessFailure extends Error {}

/** The applied index recorded for the (single) pending liveness value; 0 while not yet applied. */
function index0(values: ReadonlyMap<string, number>): number {
  return values.values().next().value ?? 0;
}

/** Lets every pending promise continuation run (they run before any immediate). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function shuffle<T>(xs: readonly T[], prng: Prng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export async function runSimulation(opts: SimOptions): Promise<SimResult> {
  const sim = new Simulation(opts);
  try {
    await sim.run();
    sim.finish();
    return { seed: opts.seed, ok: true, trace: sim.traceLines, stats: sim.stats };
  } catch (e) {
    sim.finish();
    if (e instanceof InvariantViolation || e instanceof LivenessFailure) {
      return { seed: opts.seed, ok: false, error: e.message, trace: sim.traceLines, stats: sim.stats };
    }
    const message = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    return { seed: opts.seed, ok: false, error: `crash: ${message}`, trace: sim.traceLines, stats: sim.stats };
  }
}
