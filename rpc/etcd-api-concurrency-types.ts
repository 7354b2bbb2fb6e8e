// Messages of etcd's Lock (v3lockpb) and Election (v3electionpb) services, as they arrive; see
// etcd-api-common-types.ts.

import type { Bytes, Int64, KeyValue, ResponseHeader } from './etcd-api-common-types.js';

export interface LockRequest {
  name: Bytes;
  lease: Int64;
}

export interface LockResponse {
  header: ResponseHeader | null;
  key: Bytes;
}

export interface UnlockRequest {
  key: Bytes;
}

export interface UnlockResponse {
  header: ResponseHeader | null;
}

/** Proof of leadership: its holder leads while `key` exists with creation revision `rev`. */
export interface LeaderKey {
  name: Bytes;
  key: Bytes;
  rev: Int64;
  lease: Int64;
}

export interface CampaignRequest {
  name: Bytes;
  lease: Int64;
  value: Bytes;
}

export interface CampaignResponse {
  header: ResponseHeader | null;
  leader: LeaderKey | null;
}

export interface ProclaimRequest {
  leader: LeaderKey | null;
  value: Bytes;
}

export interface ProclaimResponse {
  header: ResponseHeader | null;
}

export interface LeaderRequest {
  name: Bytes;
}

export interface LeaderResponse {
  header: ResponseHeader | null;
  kv: KeyValue | null;
}

export interface ResignRequest {
  leader: LeaderKey | null;
}

export interface ResignResponse {
  header: ResponseHeader | null;
}
