// Settings of one member's consensus core, with etcd's defaults where etcd has them.
import { InvalidConfigError } from './errors.js';
import type { RandomSource } from './random.js';
import type { LogStorage } from './storage.js';
import { NONE, type NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: LogStorage;
  /** Randomizes election timeouts; pass a seeded source to replay a run. */
  readonly random: RandomSource;
  /** Ticks a follower waits without hearing from a leader before it campaigns (randomized to [n, 2n)). */
  readonly electionTick?: number;
  /** Ticks between a leader's heartbeats. */
  readonly heartbeatTick?: number;
  /** The last index the application has applied; entries up to it are not handed out again. */
  readonly applied?: number;
  /** Upper bound on the bytes of entries in one append message. */
  readonly maxSizePerMsg?: number;
  /** Upper bound on the bytes of committed entries handed out in one Ready. */
  readonly maxCommittedSizePerReady?: number;
  /** Appends in flight to one follower before the leader waits for acknowledgements. */
  readonly maxInflightMsgs?: number;
  /** Bytes in flight to one follower before the leader waits; 0 means no byte limit. */
  readonly maxInflightBytes?: number;
  /** Bytes of uncommitted entries the leader accepts before dropping proposals; 0 means no limit. */
  readonly maxUncommittedEntriesSize?: number;
  /** A leader that has not heard from a majority within an election timeout steps down. */
  readonly checkQuorum?: boolean;
  /** Campaign with a pre-vote first, so a member that was cut off cannot disrupt the cluster. */
  readonly preVote?: boolean;
}

export type ResolvedRaftConfig = Required<RaftConfig>;

export function resolveConfig(c: RaftConfig): ResolvedRaftConfig {
  const r: ResolvedRaftConfig = {
    electionTick: 10,
    heartbeatTick: 1,
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxCommittedSizePerReady: 16 * 1024 * 1024,
    maxInflightMsgs: 256,
    maxInflightBytes: 0,
    maxUncommittedEntriesSize: 0,
    checkQuorum: true,
    preVote: true,
    ...c,
  };
  if (r.id === NONE || !Number.isSafeInteger(r.id) || r.id < 0) throw new InvalidConfigError('id must be a positive integer');
  if (r.heartbeatTick <= 0) throw new InvalidConfigError('heartbeatTick must be greater than 0');
  if (r.electionTick <= r.heartbeatTick) throw new InvalidConfigError('electionTick must be greater than heartbeatTick');
  if (r.maxInflightMsgs <= 0) throw new InvalidConfigError('maxInflightMsgs must be greater than 0');
  return r;
}
