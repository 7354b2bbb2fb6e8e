// Messages of etcd's Maintenance service, as they arrive; see etcd-api-common-types.ts.

import type { Bytes, EmptyMessage, Int64, ResponseHeader, Uint64, UnknownEnumValue } from './etcd-api-common-types.js';

export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';
export type AlarmAction = 'GET' | 'ACTIVATE' | 'DEACTIVATE';

export interface AlarmRequest {
  action: AlarmAction | UnknownEnumValue;
  memberID: Uint64;
  alarm: AlarmType | UnknownEnumValue;
}

export interface AlarmMember {
  memberID: Uint64;
  alarm: AlarmType | UnknownEnumValue;
}

export interface AlarmResponse {
  header: ResponseHeader | null;
  alarms: AlarmMember[];
}

export type StatusRequest = EmptyMessage;

export interface StatusResponse {
  header: ResponseHeader | null;
  version: string;
  dbSize: Int64;
  leader: Uint64;
  raftIndex: Uint64;
  raftTerm: Uint64;
  raftAppliedIndex: Uint64;
  errors: string[];
  dbSizeInUse: Int64;
  isLearner: boolean;
}

export type DefragmentRequest = EmptyMessage;

export interface DefragmentResponse {
  header: ResponseHeader | null;
}

export type HashRequest = EmptyMessage;

export interface HashResponse {
  header: ResponseHeader | null;
  /** uint32: fits a JavaScript number, so it arrives as one. */
  hash: number;
}

export interface HashKVRequest {
  revision: Int64;
}

export interface HashKVResponse {
  header: ResponseHeader | null;
  hash: number;
  compact_revision: Int64;
}

export type SnapshotRequest = EmptyMessage;

export interface SnapshotResponse {
  header: ResponseHeader | null;
  remaining_bytes: Uint64;
  blob: Bytes;
}

export interface MoveLeaderRequest {
  targetID: Uint64;
}

export interface MoveLeaderResponse {
  header: ResponseHeader | null;
}

export type DowngradeAction = 'VALIDATE' | 'ENABLE' | 'CANCEL';

export interface DowngradeRequest {
  action: DowngradeAction | UnknownEnumValue;
  version: string;
}

export interface DowngradeResponse {
  header: ResponseHeader | null;
  version: string;
}
