// One simulated member: the driver members run (cluster/raft-driver.ts) over a RawNode and a
// MemoryStorage that stands for its disk. Only what a save wrote to that storage survives a crash;
// the in-memory Raft, the driver and the applied state do not.
import { MemoryStorage, RawNode, type ConfState, type Message, type NodeId, type RaftConfig } from '../../raft/index.js';
import type { Raft } from '../../raft/testing.js';
import { RaftDriver, type DriverScheduler, type RaftDriverHooks } from '../../cluster/raft-driver.js';
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
  // Small, so the bound on entries being applied at once is reached in the simulation too.
  maxCommittedSizePerReady: 256,
} as const;

export class SimMember {
  node: RawNode | null = null;
  driver: RaftDriver | null = null;
  state: MachineState;
  confState: ConfState;
  /** Bumped on every crash, so events of an earlier life are ignored. */
  life = 0;
  paused = false;
  /** Messages that arrived while paused, delivered on resume. */
  readonly inbox: Message[] = [];
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
  }

  get up(): boolean {
    return this.driver !== null;
  }

  /** Boots from the disk: the state machine restarts from the last snapshot. */
  start(hooks: RaftDriverHooks, scheduler: DriverScheduler): void {
    const snap = this.disk.snapshot();
    this.state = decodeState(snap.data);
    this.confState = snap.meta.confState;
    const config: RaftConfig = { id: this.id, storage: this.disk, random: this.prng.fork(), applied: snap.meta.index, ...RAFT_SETTINGS };
    this.node = new RawNode(this.makeRaft ? this.makeRaft(config) : config);
    this.driver = new RaftDriver(this.node, hooks, scheduler, snap.meta.index);
    this.paused = false;
  }

  crash(): void {
    this.node = null;
    this.driver = null;
    this.paused = false;
    this.inbox.length = 0;
    this.life++;
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
