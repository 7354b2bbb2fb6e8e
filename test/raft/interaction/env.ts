// An interaction harness for the consensus core, driven by the scenario files in test/raft/testdata
// (run by test/raft/scenarios.test.ts). Each file is a script of commands; after each command comes
// the output it must produce. The harness plays the application and the network by hand: a member's
// Ready is handled only when the script says `process-ready`, and a message moves only when the
// script says `deliver-msgs`, so a scenario can stop the world between any two steps.
//
// When the core changes on purpose, regenerate the expected outputs from the actual ones with
//
//   REWRITE=1 npx vitest run test/raft/scenarios.test.ts
//
// and read the diff before committing it: a rewrite only records what the core now does.
//
// Members have electionTick 3 and heartbeatTick 1, and a random source that always answers 0, so an
// election timeout is exactly 3 ticks and every run is the same. Pre-vote and check-quorum are off
// unless `add-nodes` turns them on. Commands (IDs are member ids; (..) is a list):
//
//   add-nodes N [voters=(..)] [learners=(..)] [index=I] [prevote=true] [checkquorum=true]
//       N new members, numbered after the existing ones. With voters/learners, each starts from a
//       snapshot at index I (term 1 if I > 0) holding that configuration; without, from an empty log
//       (a member to add later: give the cluster index > 0 so that it gets a snapshot, which tells it
//       the configuration, instead of a log that does not).
//   campaign ID | propose ID DATA | propose-conf-change ID add-voter|add-learner|remove NODE
//   read-index ID CONTEXT | transfer-leadership from=ID to=ID
//   tick ID N | tick-heartbeat ID | tick-election ID      (N ticks, heartbeatTick, electionTick ticks)
//   process-ready ID...       take each member's Ready, persist it, apply what it commits, advance
//   deliver-msgs [drop=(..)] [type=MsgX] [ID...]
//       deliver the pending messages to these members (all, if none given), in the order they were
//       sent; messages to members in drop are discarded
//   stabilize [ID...]         process-ready and deliver-msgs, over and over, until nothing moves
//   isolate ID | heal         drop every message from or to the member (at delivery) | undo all
//   snapshot ID | compact ID INDEX
//       take a snapshot at the applied index | drop the log up to and including INDEX (first
//       snapshotting there if the latest snapshot is older): a member further behind needs the snapshot
//   report-unreachable FROM TO | report-snapshot FROM TO [ok=false]
//   status ID | raft-log ID   role, term, indexes, configuration, progress | the persisted log
//   log-level none|info       none prints nothing but errors (to set a scene quietly)
//
// Besides each Ready and message, the harness prints an INFO line whenever a member's role, term or
// leader changes, or a leader starts or stops transferring leadership. A command that prints nothing
// prints `ok`; a request the core refuses prints `error: ...`.
import {
  MemoryStorage,
  NONE,
  RaftError,
  RawNode,
  type ConfChangeType,
  type ConfState,
  type Message,
  type NodeId,
  type RandomSource,
  type Ready,
} from '../../../raft/index.js';
import type { Arg, Directive } from './datadriven.js';
import { describeConfState, describeEntry, describeMessage, describeReady, describeRole, describeSnapshot, messageTypeName } from './describe.js';
import { peek, type NodeView } from './peek.js';

const ELECTION_TICK = 3;
const HEARTBEAT_TICK = 1;

/** Election timeouts are randomized in [electionTick, 2·electionTick): always take the low end. */
const NO_RANDOMNESS: RandomSource = { int: () => 0 };

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Member {
  readonly id: NodeId;
  readonly raw: RawNode;
  readonly storage: MemoryStorage;
  /** The application's applied index: what it has taken from Readys. */
  applied: number;
  /** The application's state: the data of each applied non-empty normal entry, with its index. */
  values: { readonly index: number; readonly value: string }[];
  /** The configuration from each index on, so a snapshot at any applied index can carry its own. */
  confs: { readonly index: number; readonly confState: ConfState }[];
}

/** A mistake in the scenario file itself (not a refusal by the core). */
class ScriptError extends Error {}

export class InteractionEnv {
  private readonly members = new Map<NodeId, Member>();
  /** Messages sent and not yet delivered, in the order they were sent. */
  private queue: Message[] = [];
  private readonly isolated = new Set<NodeId>();
  private quiet = false;
  private out: string[] = [];
  private indent = '';

  /** Runs one directive and returns its output. */
  run(d: Directive): string {
    this.out = [];
    this.indent = '';
    try {
      this.dispatch(d.command, new Args(d.args));
    } catch (e) {
      if (e instanceof ScriptError) throw new Error(`line ${d.line}: ${d.text}: ${e.message}`);
      throw e;
    }
    return this.out.length > 0 ? this.out.join('\n') : 'ok';
  }

  private dispatch(command: string, a: Args): void {
    switch (command) {
      case 'add-nodes':
        return this.addNodes(a);
      case 'campaign':
        return this.onMember(a.id(0), (m) => m.raw.campaign());
      case 'propose':
        return this.onMember(a.id(0), (m) => m.raw.propose(enc.encode(a.positional(1))));
      case 'propose-conf-change':
        return this.onMember(a.id(0), (m) => m.raw.proposeConfChange({ type: confChangeType(a.positional(1)), nodeId: a.int(2) }));
      case 'read-index':
        return this.onMember(a.id(0), (m) => m.raw.readIndex(a.positional(1)));
      case 'transfer-leadership':
        return this.onMember(a.intKey('from'), (m) => m.raw.transferLeader(a.intKey('to')));
      case 'tick':
        return this.tick(a.id(0), a.int(1));
      case 'tick-heartbeat':
        return this.tick(a.id(0), HEARTBEAT_TICK);
      case 'tick-election':
        return this.tick(a.id(0), ELECTION_TICK);
      case 'process-ready':
        for (const id of a.ids()) this.processReady(this.member(id));
        return;
      case 'deliver-msgs':
        return this.deliverMsgs(a);
      case 'stabilize':
        return this.stabilize(a.ids());
      case 'isolate':
        this.isolated.add(this.member(a.id(0)).id);
        return;
      case 'heal':
        this.isolated.clear();
        return;
      case 'snapshot':
        return this.snapshot(this.member(a.id(0)));
      case 'compact':
        return this.compact(this.member(a.id(0)), a.int(1));
      case 'report-unreachable':
        return this.onMember(a.id(0), (m) => m.raw.reportUnreachable(a.int(1)));
      case 'report-snapshot':
        return this.onMember(a.id(0), (m) => m.raw.reportSnapshot(a.int(1), a.boolKey('ok', true)));
      case 'status':
        return this.status(this.member(a.id(0)));
      case 'raft-log':
        return this.raftLog(this.member(a.id(0)));
      case 'log-level':
        return this.logLevel(a.positional(0));
      default:
        throw new ScriptError(`unknown command ${command}`);
    }
  }

  // ---------------------------------------------------------------- output

  private print(line: string): void {
    if (!this.quiet) this.out.push(this.indent + line);
  }

  /** Refusals by the core are part of what a scenario checks: printed at every log level. */
  private printError(e: RaftError): void {
    this.out.push(`${this.indent}error: ${e.message}`);
  }

  private nested(header: string, fn: () => void): void {
    this.print(header);
    const saved = this.indent;
    this.indent += '  ';
    try {
      fn();
    } finally {
      this.indent = saved;
    }
  }

  private logLevel(level: string): void {
    if (level !== 'none' && level !== 'info') throw new ScriptError(`log level must be none or info, not ${level}`);
    this.quiet = level === 'none';
  }

  // ---------------------------------------------------------------- members

  private member(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new ScriptError(`no member ${id}`);
    return m;
  }

  private addNodes(a: Args): void {
    const n = a.int(0);
    const index = a.intKey('index', 0);
    const voters = a.list('voters');
    const learners = a.list('learners');
    const confState: ConfState = { voters: voters ?? [], learners: learners ?? [] };
    const withConfig = voters !== null || learners !== null;
    for (let i = 0; i < n; i++) {
      const id = this.members.size + 1;
      const storage = withConfig
        ? new MemoryStorage({ meta: { index, term: index > 0 ? 1 : 0, confState }, data: enc.encode('[]') })
        : new MemoryStorage();
      const raw = new RawNode({
        id,
        storage,
        random: NO_RANDOMNESS,
        electionTick: ELECTION_TICK,
        heartbeatTick: HEARTBEAT_TICK,
        preVote: a.boolKey('prevote', false),
        checkQuorum: a.boolKey('checkquorum', false),
      });
      const start = storage.snapshot().meta;
      this.members.set(id, { id, raw, storage, applied: start.index, values: [], confs: [{ index: start.index, confState: start.confState }] });
    }
  }

  /**
   * Feeds the member an input, then reports the changes it made that a Ready does not show.
   * Returns the input's result, or undefined if the core refused it.
   */
  private onMember<T>(id: NodeId, input: (m: Member) => T): T | undefined {
    const m = this.member(id);
    const before = peek(m.raw);
    let result: T | undefined;
    try {
      result = input(m);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.printError(e);
    }
    this.reportChanges(id, before, peek(m.raw));
    return result;
  }

  private reportChanges(id: NodeId, was: NodeView, now: NodeView): void {
    if (was.role !== now.role || was.term !== now.term) {
      const lead = now.role === 'follower' && now.lead !== NONE ? `, leader ${now.lead}` : '';
      this.print(`INFO ${id} became ${describeRole(now.role)} at term ${now.term}${lead}`);
    } else if (was.lead !== now.lead) {
      this.print(now.lead === NONE ? `INFO ${id} lost leader ${was.lead} at term ${now.term}` : `INFO ${id} follows leader ${now.lead} at term ${now.term}`);
    }
    if (was.leadTransferee !== now.leadTransferee) {
      this.print(
        now.leadTransferee === NONE
          ? `INFO ${id} stopped transferring leadership to ${was.leadTransferee}`
          : `INFO ${id} transferring leadership to ${now.leadTransferee}`,
      );
    }
  }

  private tick(id: NodeId, n: number): void {
    for (let i = 0; i < n; i++) this.onMember(id, (m) => m.raw.tick());
  }

  // ---------------------------------------------------------------- Ready

  private processReady(m: Member): void {
    if (!m.raw.hasReady()) return;
    const rd = m.raw.ready();
    this.nested(`> ${m.id} handling Ready`, () => {
      // Persist first: the messages may depend on it.
      if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState) m.storage.setHardState(rd.hardState);
      // Apply, holding back what a change of configuration prints until the Ready is shown.
      const mark = this.out.length;
      const confs = this.apply(m, rd);
      const changes = this.out.splice(mark);
      for (const line of describeReady(rd, confs)) this.print(line);
      this.out.push(...changes);
      this.queue.push(...rd.messages);
      this.onMember(m.id, (mm) => mm.raw.advance());
    });
  }

  /** Applies a Ready's snapshot and committed entries; returns the configuration each change made. */
  private apply(m: Member, rd: Ready): Map<number, ConfState> {
    const confs = new Map<number, ConfState>();
    if (rd.snapshot) {
      const { index, confState } = rd.snapshot.meta;
      const values = JSON.parse(dec.decode(rd.snapshot.data)) as string[];
      m.values = values.map((value) => ({ index, value }));
      m.confs = [{ index, confState }];
      m.applied = index;
    }
    for (const e of rd.committedEntries) {
      if (e.type === 'normal') {
        if (e.data.length > 0) m.values.push({ index: e.index, value: dec.decode(e.data) });
      } else {
        const cs = this.onMember(m.id, (mm) => mm.raw.applyConfChange(e));
        if (cs !== undefined) {
          confs.set(e.index, cs);
          m.confs.push({ index: e.index, confState: cs });
        }
      }
      m.applied = e.index;
    }
    return confs;
  }

  // ---------------------------------------------------------------- network

  private deliverMsgs(a: Args): void {
    const drop = new Set(a.list('drop') ?? []);
    const type = a.key('type');
    const to = a.ids();
    const matches = (msg: Message): boolean => type === null || messageTypeName(msg) === type;
    for (const msg of this.take((msg) => drop.has(msg.to) && matches(msg))) this.print(`dropped: ${describeMessage(msg)}`);
    // With only drop= given, deliver nothing else.
    if (to.length === 0 && drop.size > 0) return;
    for (const msg of this.take((msg) => (to.length === 0 || to.includes(msg.to)) && matches(msg))) this.deliver(msg);
  }

  /** Removes and returns the pending messages that satisfy pred, in order. */
  private take(pred: (m: Message) => boolean): Message[] {
    const taken: Message[] = [];
    const kept: Message[] = [];
    for (const msg of this.queue) (pred(msg) ? taken : kept).push(msg);
    this.queue = kept;
    return taken;
  }

  private deliver(msg: Message): void {
    const line = describeMessage(msg);
    if (this.isolated.has(msg.from) || this.isolated.has(msg.to)) {
      this.print(`dropped: ${line}`);
      return;
    }
    if (!this.members.has(msg.to)) {
      this.print(`dropped: ${line} (no member ${msg.to})`);
      return;
    }
    this.print(line);
    this.onMember(msg.to, (m) => m.raw.step(msg));
  }

  private stabilize(only: readonly NodeId[]): void {
    const ids = only.length > 0 ? only : [...this.members.keys()].sort((x, y) => x - y);
    for (const id of ids) this.member(id);
    for (let round = 0; ; round++) {
      if (round === 1000) throw new ScriptError('the members never settle');
      let moved = false;
      for (const id of ids) {
        const m = this.member(id);
        if (!m.raw.hasReady()) continue;
        this.processReady(m);
        moved = true;
      }
      // Without a list, messages to members that do not exist are delivered (that is, dropped) too.
      const recipients = only.length > 0 ? ids : [...new Set(this.queue.map((msg) => msg.to))].sort((x, y) => x - y);
      for (const id of recipients) {
        const msgs = this.take((msg) => msg.to === id);
        if (msgs.length === 0) continue;
        moved = true;
        this.nested(`> ${id} receiving messages`, () => {
          for (const msg of msgs) this.deliver(msg);
        });
      }
      if (!moved) return;
    }
  }

  // ---------------------------------------------------------------- snapshots and the log

  /** The application's state as of index, as a snapshot carries it. */
  private stateAt(m: Member, index: number): { data: Uint8Array; confState: ConfState } {
    const values = m.values.filter((v) => v.index <= index).map((v) => v.value);
    let confState = m.confs[0]!.confState;
    for (const c of m.confs) if (c.index <= index) confState = c.confState;
    return { data: enc.encode(JSON.stringify(values)), confState };
  }

  private snapshot(m: Member): void {
    const { data, confState } = this.stateAt(m, m.applied);
    try {
      this.print(`snapshot ${describeSnapshot(m.storage.createSnapshot(m.applied, confState, data))}`);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.printError(e);
    }
  }

  private compact(m: Member, index: number): void {
    if (index > m.applied) throw new ScriptError(`member ${m.id} has applied only up to ${m.applied}`);
    try {
      if (m.storage.snapshot().meta.index < index) {
        const { data, confState } = this.stateAt(m, index);
        m.storage.createSnapshot(index, confState, data);
      }
      m.storage.compact(index);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.printError(e);
    }
    this.raftLog(m);
  }

  private raftLog(m: Member): void {
    const first = m.storage.firstIndex();
    const last = m.storage.lastIndex();
    if (last < first) {
      this.print(`log is empty: first index=${first}, last index=${last}`);
      return;
    }
    for (const e of m.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) this.print(describeEntry(e));
  }

  private status(m: Member): void {
    const v = peek(m.raw);
    const lead = v.lead === NONE ? 'no leader' : `leader ${v.lead}`;
    this.print(`${m.id} is ${describeRole(v.role)} at term ${v.term}, vote ${v.vote}, ${lead}`);
    this.print(`  Log: first ${v.firstIndex}, last ${v.lastIndex}, commit ${v.commit}, applied ${v.applied}`);
    this.print(`  Config: ${describeConfState(v.confState)}`);
    if (v.leadTransferee !== NONE) this.print(`  Transferring leadership to ${v.leadTransferee}`);
    if (v.progress.size === 0) return;
    this.print('  Progress:');
    for (const id of [...v.progress.keys()].sort((x, y) => x - y)) {
      const pr = v.progress.get(id)!;
      const flags = [pr.isLearner ? ' learner' : '', pr.paused ? ' paused' : '', pr.pendingSnapshot > 0 ? ` pendingSnap=${pr.pendingSnapshot}` : ''];
      this.print(`    ${id}: ${pr.state} match=${pr.match} next=${pr.next}${flags.join('')}`);
    }
  }
}

function confChangeType(s: string): ConfChangeType {
  switch (s) {
    case 'add-voter':
      return 'addVoter';
    case 'add-learner':
      return 'addLearner';
    case 'remove':
      return 'removeNode';
    default:
      throw new ScriptError(`unknown configuration change ${s} (add-voter, add-learner or remove)`);
  }
}

/** A directive's arguments, read by position (bare ones) or by key. */
class Args {
  private readonly bare: string[];

  constructor(private readonly args: readonly Arg[]) {
    this.bare = args.filter((x) => x.key === null).map((x) => x.values[0]!);
  }

  positional(i: number): string {
    const v = this.bare[i];
    if (v === undefined) throw new ScriptError(`missing argument ${i + 1}`);
    return v;
  }

  int(i: number): number {
    return toInt(this.positional(i));
  }

  id(i: number): NodeId {
    return this.int(i);
  }

  /** Every bare argument, as member ids. */
  ids(): NodeId[] {
    return this.bare.map(toInt);
  }

  key(k: string): string | null {
    const arg = this.args.find((x) => x.key === k);
    if (!arg) return null;
    if (arg.values.length !== 1) throw new ScriptError(`${k} takes one value`);
    return arg.values[0]!;
  }

  intKey(k: string, dflt?: number): number {
    const v = this.key(k);
    if (v === null) {
      if (dflt === undefined) throw new ScriptError(`missing ${k}=`);
      return dflt;
    }
    return toInt(v);
  }

  boolKey(k: string, dflt: boolean): boolean {
    const v = this.key(k);
    if (v === null) return dflt;
    if (v !== 'true' && v !== 'false') throw new ScriptError(`${k} must be true or false`);
    return v === 'true';
  }

  list(k: string): NodeId[] | null {
    const arg = this.args.find((x) => x.key === k);
    return arg ? arg.values.map(toInt) : null;
  }
}

function toInt(s: string): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ScriptError(`${s} is not an integer`);
  return n;
}
