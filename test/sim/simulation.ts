// A whole cluster in one thread: seeded network, seeded clock, seeded faults. `runSimulation(seed)`
// is a pure function of its options; a failing seed replays exactly, with a trace.
//
// A run has two phases. During the fault phase clients propose and read all the time while a
// nemesis partitions, crashes, restarts and pauses members, the network drops, duplicates and
// reorders messages, and (if enabled) the membership changes 3 → 5 → 3 … with learners promoted.
// Then everything heals, and the cluster must elect a leader and commit every new proposal within a
// bound. Safety invariants are checked after every event throughout.
import { bootstrapState, canSendBeforePersist, MemoryStorage, ProposalDroppedError, RaftError, type ConfChange, type Message, type NodeId, type Ready } from '../../raft/index.js';
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
  | { kind: 'persisted'; id: NodeId; life: number; rd: Ready }
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
      this.members.set(id, new SimMember(id, disk, this.prng.fork(), opts.makeRaft));
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

  run(): void {
    const deadline = this.faultTime + LIVENESS_BOUND_TICKS * TICK;
    for (;;) {
      const item = this.queue.pop();
      if (!item) throw new Error('simulation ran out of events');
      this.now = item.time;
      this.stats.events++;
      this.handle(item.event);
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

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const m = this.members.get(ev.id)!;
        if (m.node && !m.paused) {
          m.node.tick();
          this.pump(m);
        }
        this.queue.push(this.now + TICK, ev);
        return;
      }
      case 'deliver':
        this.deliver(ev.msg);
        return;
      case 'snapshotLost': {
        const from = this.members.get(ev.msg.from)!;
        if (!from.node) return;
        from.node.reportSnapshot(ev.msg.to, false);
        this.pump(from);
        return;
      }
      case 'persisted':
        this.onPersisted(ev.id, ev.life, ev.rd);
        return;
      case 'client':
        this.clientOp();
        this.queue.push(this.now + this.prng.range(2, 25), ev);
        return;
      case 'nemesis':
        if (this.healed) return;
        this.nemesis();
        this.queue.push(this.now + this.prng.range(50, 400), ev);
        return;
      case 'membership':
        if (this.healed) return;
        this.membershipStep();
        this.queue.push(this.now + this.prng.range(50, 300), ev);
        return;
      case 'restart': {
        const m = this.members.get(ev.id)!;
        if (m.up || m.life !== ev.life) return;
        this.log(`member ${m.id} restarts`);
        m.start();
        this.checker.resetMember(m.id);
        this.pump(m);
        return;
      }
      case 'resume': {
        const m = this.members.get(ev.id)!;
        if (!m.paused || m.life !== ev.life) return;
        this.resume(m);
        return;
      }
      case 'heal':
        this.heal();
        return;
      case 'liveness':
        this.livenessStep();
        return;
    }
  }

  // ------------------------------------------------------------ message flow and Ready handling

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
    const lost = !to || !to.node || this.net.isCut(msg.from, msg.to);
    if (msg.type === 'snapshot' && from?.node) {
      // The transport tells the sender how a snapshot transfer ended.
      from.node.reportSnapshot(msg.to, !lost);
      this.pump(from);
    } else if (lost && from?.node && this.net.isCut(msg.from, msg.to)) {
      from.node.reportUnreachable(msg.to);
    }
    if (lost) return;
    if (to.paused) {
      to.inbox.push(msg);
      return;
    }
    this.log(describeMessage(msg));
    to.node!.step(msg);
    this.pump(to);
  }

  /** Takes the member's next Ready, if any, and starts writing it to its disk. */
  private pump(m: SimMember): void {
    const node = m.node;
    if (!node || m.paused) return;
    // What may leave before persisting leaves now, even while a Ready is still being written.
    for (const msg of node.takeMessagesBeforePersist()) this.send(msg);
    if (m.busy || !node.hasReady()) return;
    const rd = node.ready();
    if (rd.softState) {
      this.log(`member ${m.id} is ${rd.softState.role} (term ${node.raft.term}, leader ${rd.softState.lead})`);
      if (rd.softState.role === 'leader') {
        this.stats.elections++;
        this.checker.onLeader(m.id, node.raft);
      }
    }
    m.busy = true;
    // What depends on nothing this Ready persists leaves at once; the rest waits for the disk.
    for (const msg of rd.messages) if (canSendBeforePersist(msg)) this.send(msg);
    // Most writes take a few time units; some fsyncs are slow.
    const latency = this.prng.chance(0.05) ? this.prng.range(10, 40) : this.prng.range(1, 3);
    this.queue.push(this.now + latency, { kind: 'persisted', id: m.id, life: m.life, rd });
  }

  private onPersisted(id: NodeId, life: number, rd: Ready): void {
    const m = this.members.get(id)!;
    if (m.life !== life || !m.node) return; // crashed meanwhile: the write never happened
    // 1. Durable: the snapshot, the entries, the hard state.
    m.persist(rd);
    if (rd.snapshot) this.checker.resetMember(id);
    this.checker.onPersistEntries(id, m.disk, rd.entries);
    if (rd.hardState) this.checker.onPersistCommit(id, m.disk, rd.hardState.commit);
    // 2. Only now may the other messages leave.
    for (const msg of rd.messages) if (!canSendBeforePersist(msg)) this.send(msg);
    // 3. Apply.
    if (rd.snapshot) {
      const st = decodeState(rd.snapshot.data);
      this.checker.onInstallSnapshot(id, rd.snapshot, st);
      m.state = st;
      m.confState = rd.snapshot.meta.confState;
      this.log(`member ${id} installed snapshot ${rd.snapshot.meta.index}`);
    }
    for (const e of rd.committedEntries) {
      const before = m.state;
      const after = applyEntry(before, e);
      this.checker.onApply(id, before, e, after);
      m.state = after;
      if (e.type === 'confChange') {
        m.confState = m.node.applyConfChange(e);
        this.log(`member ${id} applied ${describeEntry(e)} → voters ${m.confState.voters.join(',')} learners ${m.confState.learners.join(',') || '-'}`);
      } else if (e.data.length > 0) {
        this.onApplied(m, e.index, new TextDecoder().decode(e.data), entryFingerprint(e));
      }
    }
    for (const rs of rd.readStates) this.onReadState(m, rs.context, rs.index);
    m.node.advance();
    m.busy = false;
    if (m.maybeSnapshot(encodeState)) this.log(`member ${id} snapshot at ${m.state.index}`);
    this.pump(m);
  }

  // ------------------------------------------------------------ clients

  private clientOp(): void {
    const candidates = [...this.members.values()].filter((m) => m.node && !m.paused);
    if (candidates.length === 0) return;
    const m = this.prng.pick(candidates);
    if (this.prng.chance(0.2)) {
      const ctx = `r${this.nextValue++}`;
      try {
        m.node!.readIndex(ctx);
        this.stats.reads++;
        this.pendingReads.set(ctx, { member: m.id, life: m.life, mustSee: this.highestAcked });
      } catch (e) {
        if (!(e instanceof ProposalDroppedError)) throw e;
      }
    } else {
      this.propose(m, `v${this.nextValue++}`);
    }
    this.pump(m);
  }

  private propose(m: SimMember, value: string): boolean {
    try {
      m.node!.propose(new TextEncoder().encode(value));
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
      if (m.node && !m.paused && m.node.raft.role === 'leader' && (!best || m.node.raft.term > best.node!.raft.term)) best = m;
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
    this.stats.crashes++;
    this.log(`nemesis: crash ${m.id}`);
    this.queue.push(this.now + this.prng.range(20, 500), { kind: 'restart', id: m.id, life: m.life });
  }

  private resume(m: SimMember): void {
    m.paused = false;
    this.log(`member ${m.id} resumes with ${m.inbox.length} queued messages`);
    const queued = m.inbox.splice(0);
    for (const msg of queued) {
      m.node!.step(msg);
    }
    this.pump(m);
  }

  // ------------------------------------------------------------ membership changes

  /** Moves the configuration one step towards 5 voters, then back to 3, and so on. */
  private membershipStep(): void {
    const l = this.leader();
    if (!l) return;
    const st = l.node!.status();
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
      l.node!.proposeConfChange(cc);
      this.stats.confChanges++;
      this.log(`membership: leader ${l.id} proposes ${cc.type}(${cc.nodeId})`);
      this.pump(l);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
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
        m.start();
        this.checker.resetMember(m.id);
        this.pump(m);
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
        this.pump(l);
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

function shuffle<T>(xs: readonly T[], prng: Prng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function runSimulation(opts: SimOptions): SimResult {
  const sim = new Simulation(opts);
  try {
    sim.run();
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
