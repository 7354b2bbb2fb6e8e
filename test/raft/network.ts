// A synchronous in-memory cluster for unit tests: every Ready is persisted to MemoryStorage at once,
// and messages are delivered in FIFO order until nothing moves. Links can be cut to partition it.
import { bootstrapState, MemoryStorage, RawNode, type Entry, type Message, type NodeId, type RaftConfig } from '../../raft/index.js';
import { Raft } from '../../raft/raft.js';
import { Prng } from '../sim/prng.js';

export interface TestMember {
  readonly id: NodeId;
  node: RawNode;
  readonly storage: MemoryStorage;
  readonly applied: Entry[];
}

export type ConfigOverrides = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;

export class TestNetwork {
  readonly members = new Map<NodeId, TestMember>();
  private readonly queue: Message[] = [];
  private readonly cut = new Set<string>();
  /** Every message delivered, for tests that look at the traffic. */
  readonly delivered: Message[] = [];
  private readonly prng: Prng;

  constructor(
    ids: readonly NodeId[],
    private readonly overrides: ConfigOverrides = {},
    seed = 1,
    makeRaft?: (config: RaftConfig) => Raft,
  ) {
    this.prng = new Prng(seed);
    const boot = bootstrapState(ids);
    for (const id of ids) {
      const storage = new MemoryStorage();
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      const config: RaftConfig = { id, storage, random: this.prng.fork(), ...overrides };
      this.members.set(id, { id, node: new RawNode(makeRaft ? makeRaft(config) : config), storage, applied: [] });
    }
    // Apply the bootstrap configuration entries, as a member does when it starts.
    this.stabilize();
  }

  /** Adds a member with an empty log that is not (yet) in anyone's configuration. */
  addBlankMember(id: NodeId): TestMember {
    const storage = new MemoryStorage();
    const m: TestMember = { id, node: new RawNode({ id, storage, random: this.prng.fork(), ...this.overrides }), storage, applied: [] };
    this.members.set(id, m);
    return m;
  }

  member(id: NodeId): TestMember {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  raft(id: NodeId): Raft {
    return this.member(id).node.raft;
  }

  /** Restarts a member from its storage, losing everything not persisted (nothing is, here). */
  restart(id: NodeId): void {
    const m = this.member(id);
    const applied = m.storage.snapshot().meta.index;
    m.applied.length = 0;
    m.node = new RawNode({ id, storage: m.storage, random: this.prng.fork(), applied, ...this.overrides });
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

  heal(): void {
    this.cut.clear();
  }

  /** Handles every member's Ready and delivers messages until the cluster is quiet. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const m of this.members.values()) moved = this.processReady(m) || moved;
      while (this.queue.length > 0) {
        const msg = this.queue.shift()!;
        moved = true;
        if (this.cut.has(`${msg.from}>${msg.to}`)) continue;
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
    if (!m.node.hasReady()) return false;
    const rd = m.node.ready();
    if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
    m.storage.append(rd.entries);
    if (rd.hardState) m.storage.setHardState(rd.hardState);
    for (const msg of rd.messages) this.queue.push(msg);
    for (const e of rd.committedEntries) {
      m.applied.push(e);
      if (e.type === 'confChange') m.node.applyConfChange(e);
    }
    m.node.advance();
    return true;
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const m of this.members.values()) m.node.tick();
  }

  /** Ticks one member until it starts a campaign, then lets the cluster settle. */
  elect(id: NodeId): void {
    this.member(id).node.campaign();
    this.stabilize();
  }

  leader(): NodeId | null {
    for (const m of this.members.values()) if (m.node.raft.role === 'leader') return m.id;
    return null;
  }
}

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(e: Entry): string {
  return e.type === 'normal' ? new TextDecoder().decode(e.data) : `conf:${e.change.type}:${e.change.nodeId}`;
}
