// Messages of etcd's Lease service, as they arrive; see etcd-api-common-types.ts.

import type { Bytes, EmptyMessage, Int64, ResponseHeader } from './etcd-api-common-types.js';

export interface LeaseGrantRequest {
  TTL: Int64;
  ID: Int64;
}

export interface LeaseGrantResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  error: string;
}

export interface LeaseRevokeRequest {
  ID: Int64;
}

export interface LeaseRevokeResponse {
  header: ResponseHeader | null;
}

/** A lease's remaining TTL, recorded through consensus (not a client RPC in etcd 3.5). */
export interface LeaseCheckpoint {
  ID: Int64;
  remaining_TTL: Int64;
}

export interface LeaseCheckpointRequest {
  checkpoints: LeaseCheckpoint[];
}

export interface LeaseCheckpointResponse {
  header: ResponseHeader | null;
}

export interface LeaseKeepAliveRequest {
  ID: Int64;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
}

export interface LeaseTimeToLiveRequest {
  ID: Int64;
  keys: boolean;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader | null;
  ID: Int64;
  TTL: Int64;
  grantedTTL: Int64;
  keys: Bytes[];
}

export type LeaseLeasesRequest = EmptyMessage;

export interface LeaseStatus {
  ID: Int64;
}

export interface LeaseLeasesResponse {
  header: ResponseHeader | null;
  leases: LeaseStatus[];
}
