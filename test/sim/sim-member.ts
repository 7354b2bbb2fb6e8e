// One simulated member: a RawNode over a MemoryStorage that stands for its disk. Only what a Ready
// handler wrote to that storage survives a crash; the in-memory Raft and the applied state do not.
import { MemoryStorage, RawNode, type ConfState, type NodeId, type RaftConfig, type Ready } from '../../raft/index.js';
import type { Raft } from '../../raft/raft.js';
import { decodeState, type MachineState } from './state-machine.js';
import type { Prng } from './prng.js';

export type RaftFactory = (config: RaftConfig) => Raft;

export const RAFT_SETTINGS = {
  electionTick: 10,
  heartbeatTick: 1,
  maxSizePerMsg: 512,
  maxInflightMsgs: 8,
  checkQuorum: true,
  preVote: true,
} as const;

export class SimMember {
  node: RawNode | null = null;
  state: MachineState;
  confState: ConfState;
  /** A Ready is being written; the next one waits. */
  busy = false;
  /** Bumped on every crash, so events of an earlier life are ignored. */
  life = 0;
  paused = false;
  /** Messages that arrived while paused, delivered on resume. */
  readonly inbox: import('../../raft/index.js').Message[] = [];
  /** Entries applied since the last snapshot before taking another. */
  snapshotEvery: number;

  constructor(
    readonly id: NodeId,
    readonly disk: MemoryStorage,
    private readonly prng: Prng,
    private readonly makeRaft: RaftFactory | undefined,
  ) {
    this.state = decodeState(disk.snapshot().data);
    this.confState = disk.snapshot().meta.confState;
    this.snapshotEvery = prng.range(15, 60);
    this.start();
  }

  get up(): boolean {
    return this.node !== null;
  }

  /** Boots from the disk: the state machine restarts from the last snapshot. */
  start(): void {
    const snap = this.disk.snapshot();
    this.state = decodeState(snap.data);
    this.confState = snap.meta.confState;
    const config: RaftConfig = { id: this.id, storage: this.disk, random: this.prng.fork(), applied: snap.meta.index, ...RAFT_SETTINGS };
    this.node = new RawNode(this.makeRaft ? this.makeRaft(config) : config);
    this.busy = false;
    this.paused = false;
  }

  crash(): void {
    this.node = null;
    this.busy = false;
    this.paused = false;
    this.inbox.length = 0;
    this.life++;
  }

  /** Writes a Ready to the disk: snapshot, then entries, then hard state. */
  persist(rd: Ready): void {
    if (rd.snapshot) this.disk.applySnapshot(rd.snapshot);
    this.disk.append(rd.entries);
    if (rd.hardState) this.disk.setHardState(rd.hardState);
  }

  /** Takes a snapshot of the applied state and drops most of the log before it. */
  maybeSnapshot(encode: (s: MachineState) => Uint8Array): boolean {
    const snapIndex = this.disk.snapshot().meta.index;
    if (this.state.index - snapIndex < this.snapshotEvery) return false;
    this.disk.createSnapshot(this.state.index, this.confState, encode(this.state));
    const keep = this.prng.range(0, 10);
    const compactTo = this.state.index - keep;
    if (compactTo > this.disk.firstIndex() - 1) this.disk.compact(compactTo);
    return true;
  }
}
