// Helpers for driving one member by hand, as the paper states its rules: build a member with a given
// log, term and vote, feed it messages, and look at what it sends back.
import { raftOf } from '../../raft/testing.js';
import {
  EMPTY_HARD_STATE,
  MemoryStorage,
  RawNode,
  type AppendMessage,
  type AppendResponse,
  type Entry,
  type Heartbeat,
  type HeartbeatResponse,
  type Message,
  type MessageType,
  type NodeId,
  type RaftConfig,
  type RandomSource,
  type ReadState,
  type Ready,
  type VoteRequest,
  type VoteResponse,
} from '../../raft/index.js';
import { Raft } from '../../raft/raft.js';
import { Prng } from '../sim/prng.js';

export type Overrides = Partial<Omit<RaftConfig, 'id' | 'storage' | 'random'>>;
export type RaftFactory = (config: RaftConfig) => Raft;

/** One member's durable state at start-up, written the way the paper's figures draw it. */
export interface MemberSpec {
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Terms of the entries at indexes 1, 2, 3, … */
  readonly terms?: readonly number[];
  readonly term?: number;
  readonly vote?: NodeId;
  readonly commit?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function ent(index: number, term: number, data = ''): Entry {
  return { type: 'normal', index, term, data: enc.encode(data) };
}

/** Entries with the given terms at indexes from, from + 1, … */
export function entries(terms: readonly number[], from = 1): Entry[] {
  return terms.map((t, i) => ent(from + i, t));
}

/** A storage holding the spec's log and hard state; the configuration sits in an empty snapshot at 0. */
export function storageWith(spec: MemberSpec): MemoryStorage {
  const storage = new MemoryStorage({
    meta: { index: 0, term: 0, confState: { voters: [...spec.voters], learners: [...(spec.learners ?? [])] } },
    data: new Uint8Array(),
  });
  storage.append(entries(spec.terms ?? []));
  const hs = { term: spec.term ?? 0, vote: spec.vote ?? 0, commit: spec.commit ?? 0 };
  storage.setHardState(hs.term === 0 && hs.vote === 0 && hs.commit === 0 ? EMPTY_HARD_STATE : hs);
  return storage;
}

/**
 * Handles one Ready as an application would: persist, then collect the messages (to send), then apply
 * the committed entries, then advance. Returns the Ready, or null if there was none.
 */
export function handleReady(
  node: RawNode,
  storage: MemoryStorage,
  applied: Entry[],
  readStates: ReadState[],
): Ready | null {
  if (!node.hasReady()) return null;
  const rd = node.ready();
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  readStates.push(...rd.readStates);
  for (const e of rd.committedEntries) {
    applied.push(e);
    if (e.type === 'confChange') node.applyConfChange(e);
  }
  node.advance();
  return rd;
}

/** A single member driven by hand; nothing it sends is delivered anywhere. */
export class Solo {
  readonly storage: MemoryStorage;
  readonly node: RawNode;
  readonly applied: Entry[] = [];
  readonly readStates: ReadState[] = [];

  constructor(
    readonly id: NodeId,
    spec: MemberSpec,
    config: Overrides = {},
    random: number | RandomSource = 1,
    makeRaft?: RaftFactory,
  ) {
    this.storage = storageWith(spec);
    const c: RaftConfig = { id, storage: this.storage, random: typeof random === 'number' ? new Prng(random) : random, ...config };
    this.node = new RawNode(makeRaft ? makeRaft(c) : c);
  }

  get raft(): Raft {
    return raftOf(this.node);
  }

  step(...ms: Message[]): this {
    for (const m of ms) this.node.step(m);
    return this;
  }

  tick(n = 1): this {
    for (let i = 0; i < n; i++) this.node.tick();
    return this;
  }

  /** Handles Readys until there are none and returns every message they carried. */
  flush(): Message[] {
    const out: Message[] = [];
    for (let n = 0; ; n++) {
      if (n === 1000) throw new Error(`member ${this.id} keeps producing Readys`);
      const rd = this.ready();
      if (rd === null) return out;
      out.push(...rd.messages);
    }
  }

  /** Handles one Ready (if any) and returns it. */
  ready(): Ready | null {
    return handleReady(this.node, this.storage, this.applied, this.readStates);
  }

  /** Terms of the log's entries, from its first index. */
  logTerms(): number[] {
    return this.raft.log.allEntries().map((e) => e.term);
  }

  /** Campaigns and wins: every other voter grants the pre-vote (if on) and the vote. */
  elect(): this {
    this.flush();
    this.node.campaign();
    const others = this.raft.trk.voters.filter((v) => v !== this.id);
    if (this.raft.role === 'preCandidate') {
      const term = this.raft.term + 1;
      for (const v of others) this.step(voteResp(v, this.id, term, { pre: true }));
    }
    for (const v of others) if (this.raft.role === 'candidate') this.step(voteResp(v, this.id, this.raft.term));
    if (this.raft.role !== 'leader') throw new Error(`member ${this.id} did not win its election`);
    this.flush();
    return this;
  }

  /** A leader's followers acknowledge everything it has, so all of it commits. */
  ackAll(from: readonly NodeId[] = this.raft.trk.voters.filter((v) => v !== this.id)): Message[] {
    const last = this.raft.log.lastIndex();
    for (const f of from) this.step(appendResp(f, this.id, this.raft.term, last));
    return this.flush();
  }
}

// ---------------------------------------------------------------- messages

export function append(
  from: NodeId,
  to: NodeId,
  term: number,
  prevIndex: number,
  prevTerm: number,
  ents: readonly Entry[] = [],
  commit = 0,
): AppendMessage {
  return { type: 'append', from, to, term, prevIndex, prevTerm, entries: ents, commit };
}

export function appendResp(
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  reject?: { hint: number; hintTerm: number },
): AppendResponse {
  return {
    type: 'appendResp',
    from,
    to,
    term,
    index,
    reject: reject !== undefined,
    rejectHint: reject?.hint ?? 0,
    rejectTerm: reject?.hintTerm ?? 0,
  };
}

export function voteReq(
  from: NodeId,
  to: NodeId,
  term: number,
  lastIndex: number,
  lastTerm: number,
  opts: { pre?: boolean; transfer?: boolean } = {},
): VoteRequest {
  return { type: opts.pre ? 'preVote' : 'vote', from, to, term, lastIndex, lastTerm, transfer: opts.transfer ?? false };
}

export function voteResp(from: NodeId, to: NodeId, term: number, opts: { pre?: boolean; reject?: boolean } = {}): VoteResponse {
  return { type: opts.pre ? 'preVoteResp' : 'voteResp', from, to, term, reject: opts.reject ?? false };
}

export function heartbeat(from: NodeId, to: NodeId, term: number, commit = 0, context = ''): Heartbeat {
  return { type: 'heartbeat', from, to, term, commit, context };
}

export function heartbeatResp(from: NodeId, to: NodeId, term: number, context = ''): HeartbeatResponse {
  return { type: 'heartbeatResp', from, to, term, context };
}

/** The kind of message whose `type` may be T (a vote request's type is 'vote' or 'preVote'). */
export type MessageOf<T extends MessageType, M = Message> = M extends Message ? (T extends M['type'] ? M : never) : never;

/** The messages of one type (optionally to one member), typed as that kind of message. */
export function only<T extends MessageType>(msgs: readonly Message[], type: T, to?: NodeId): MessageOf<T>[] {
  return msgs.filter((m): m is MessageOf<T> => m.type === type && (to === undefined || m.to === to));
}

/** The data of normal, non-empty entries: what the application proposed, without the no-ops. */
export function payloads(ents: readonly Entry[]): string[] {
  return ents.filter((e) => e.type === 'normal' && e.data.length > 0).map((e) => (e.type === 'normal' ? dec.decode(e.data) : ''));
}
