// What the Cluster and Maintenance services need from a member. rpc/ declares it; cluster/ implements it.
import type { NodeId } from '../raft/index.js';

export interface MemberInfo {
  readonly id: NodeId;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** etcd's AlarmType (NONE stands for every type in a GET). */
export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';

/** An alarm raised on a member (etcd's AlarmMember). */
export interface AlarmInfo {
  readonly memberId: NodeId;
  readonly alarm: AlarmType;
}

export interface StatusInfo {
  readonly leader: NodeId;
  /** The committed index, as etcd's Status reports it. */
  readonly raftIndex: number;
  readonly raftTerm: number;
  readonly raftAppliedIndex: number;
  readonly revision: number;
  readonly isLearner: boolean;
  /** Bytes the database's files take. */
  readonly dbSize: number;
  /** Bytes of those that hold data in use. */
  readonly dbSizeInUse: number;
  /** etcd's Status errors: no leader, and each active alarm. */
  readonly errors: readonly string[];
}

export interface ClusterBackend {
  memberList(): MemberInfo[];
  status(): StatusInfo;
  /** The alarms active in the cluster. */
  alarms(): readonly AlarmInfo[];
  /** Raises or clears an alarm through raft; resolves with etcd's answer (the alarm, or none). */
  changeAlarm(action: 'activate' | 'deactivate', memberId: NodeId, alarm: AlarmType): Promise<readonly AlarmInfo[]>;
  /** Adds a member (a voter, or a learner); resolves once the change is applied, with the new list. */
  addMember(peerUrls: readonly string[], isLearner: boolean): Promise<{ member: MemberInfo; members: MemberInfo[] }>;
  removeMember(id: NodeId): Promise<MemberInfo[]>;
  updateMember(id: NodeId, peerUrls: readonly string[]): Promise<MemberInfo[]>;
  promoteMember(id: NodeId): Promise<MemberInfo[]>;
  /** etcd's HashKV: a hash of the key-value history up to `revision` (0 = current). */
  hashKV(revision: number): Promise<{ hash: number; compactRevision: number; revision: number }>;
  /** etcd's Hash: a hash of the whole backend as etcd lays it out, and the revision it was taken at. */
  hash(): Promise<{ hash: number; revision: number }>;
  /**
   * etcd's Snapshot: the backend as etcd would hold it (a bbolt file), read from one consistent
   * point while writes go on.
   */
  backendSnapshot(): Promise<Uint8Array>;
  /** Hands leadership to `target` (this member must lead); resolves once the target leads. */
  moveLeader(target: NodeId): Promise<void>;
  /** Reclaims disk space (etcd's defragment). */
  defragment(): Promise<void>;
}
