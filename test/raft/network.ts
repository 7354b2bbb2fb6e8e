// A synchronous in-memory cluster for unit tests: every Ready is persisted to MemoryStorage at once,
// and messages are delivered in FIFO order until nothing moves. Links can be cut to partition it, and
// single messages dropped by a predicate to build a paper's scenario step by step.
import { raftOf } from '../../raft/testing.js';
import { bootstrapState, MemoryStorage, RawNode, type Entry, type Message, type NodeId, type RaftConfig, type Ready, type ReadState } from '../../raft/index.js';
import type { Raft } from '../../raft/raft.js';
import { Prng } from '../sim/prng.js';
import { handleReady, payloads, storageWith, type MemberSpec } from './helpers.js';

export interface TestMember {
  readonly id: NodeId;
  node: RawNode;
  readonly storage: MemoryStorage;
  readonly applied: Entry[];
  /** Read states handed out in Readys, in order. */
  readonly readStates: ReadState[];
}

export type ConfigOverrides = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

export class TestNetwork {
  readonly members = new Map<NodeId, TestMember>();
  private readonly queue: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly drops: ((m: Message) => boolean)[] = [];
  /** Every message delivered, for tests that look at the traffic. */
  readonly delivered: Message[] = [];
  /** Called with every Ready a member handles, after it was handled. */
  onReady: ((id: NodeId, rd: Ready) => void) | null = null;
  private readonly prng: Prng;

  /** With no ids, the network starts empty: add members with addMember. */
  constructor(
    ids: readonly NodeId[],
    private readonly overrides: ConfigOverrides = {},
    seed = 1,
    private readonly makeRaft?: (config: RaftConfig) => Raft,
  ) {
    this.prng = new Prng(seed);
    if (ids.length === 0) return;
    const boot = bootstrapState(ids);
    for (const id of ids) {
      const storage = new MemoryStorage();
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      this.members.set(id, this.newMember(id, storage, 0));
    }
    // Apply the bootstrap configuration entries, as a member does when it starts.
    this.stabilize();
  }

  private newMember(id: NodeId, storage: MemoryStorage, applied: number): TestMember {
    const config: RaftConfig = { id, storage, random: this.prng.fork(), applied, ...this.overrides };
    return { id, node: new RawNode(this.makeRaft ? this.makeRaft(config) : config), storage, applied: [], readStates: [] };
  }

  /** Adds a member with an empty log that is not (yet) in anyone's configuration. */
  addBlankMember(id: NodeId): TestMember {
    const m = this.newMember(id, new MemoryStorage(), 0);
    this.members.set(id, m);
    return m;
  }

  /** Adds a member whose storage already holds the given log, hard state and configuration. */
  addMember(id: NodeId, spec: MemberSpec): TestMember {
    const m = this.newMember(id, storageWith(spec), 0);
    this.members.set(id, m);
    return m;
  }

  member(id: NodeId): TestMember {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  raft(id: NodeId): Raft {
    return raftOf(this.member(id).node);
  }

  /** Restarts a member from its storage, losing everything not persisted (nothing is, here). */
  restart(id: NodeId): void {
    const m = this.member(id);
    const fresh = this.newMember(id, m.storage, m.storage.snapshot().meta.index);
    m.applied.length = 0;
    m.readStates.length = 0;
    m.node = fresh.node;
  }

  isolate(id: NodeId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Drops every message the predicate matches, until heal(). */
  drop(pred: (m: Message) => boolean): void {
    this.drops.push(pred);
  }

  heal(): void {
    this.cut.clear();
    this.drops.length = 0;
  }

  /** Handles every member's Ready and delivers messages until the cluster is quiet. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const m of this.members.values()) moved = this.processReady(m) || moved;
      while (this.queue.length > 0) {
        const msg = this.queue.shift()!;
        moved = true;
        if (this.cut.has(`${msg.from}>${msg.to}`) || this.drops.some((p) => p(msg))) continue;
        const to = this.members.get(msg.to);
        if (!to) continue;
        this.delivered.push(msg);
        to.node.step(msg);
        this.processReady(to);
      }
      if (!moved) return;
    }
    throw new Error('network did not stabilize');
  }

  private processReady(m: TestMember): boolean {
    const rd = handleReady(m.node, m.storage, m.applied, m.readStates);
    if (!rd) return false;
    this.onReady?.(m.id, rd);
    for (const msg of rd.messages) this.queue.push(msg);
    return true;
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const m of this.members.values()) m.node.tick();
  }

  /** Ticks one member n times, handling its Readys and delivering what it sends after each tick. */
  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) {
      this.member(id).node.tick();
      this.stabilize();
    }
  }

  /** Lets n ticks pass: every member ticks once, then the cluster settles, n times over. */
  run(n: number): void {
    for (let i = 0; i < n; i++) {
      this.tickAll();
      this.stabilize();
    }
  }

  /** Ticks every member once and settles, until cond() holds; returns the ticks it took. */
  tickUntil(cond: () => boolean, limit = 1000): number {
    for (let i = 1; i <= limit; i++) {
      this.tickAll();
      this.stabilize();
      if (cond()) return i;
    }
    throw new Error(`condition not reached within ${limit} ticks`);
  }

  /** Starts a campaign on one member now, then lets the cluster settle. */
  elect(id: NodeId): void {
    this.member(id).node.campaign();
    this.stabilize();
  }

  /** Proposes each string as one entry on member id, then lets the cluster settle. */
  propose(id: NodeId, ...data: string[]): void {
    for (const d of data) this.member(id).node.propose(bytes(d));
    this.stabilize();
  }

  /** What member id has applied, without no-ops and configuration entries. */
  payloads(id: NodeId): string[] {
    return payloads(this.member(id).applied);
  }

  leader(): NodeId | null {
    for (const m of this.members.values()) if (raftOf(m.node).role === 'leader') return m.id;
    return null;
  }
}

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(e: Entry): string {
  return e.type === 'normal' ? new TextDecoder().decode(e.data) : `conf:${e.change.type}:${e.change.nodeId}`;
}
