// Messages of etcd's KV service (Range, Put, DeleteRange, Txn, Compact), as they arrive; see
// etcd-api-common-types.ts for the conventions.

import type { Bytes, Int64, KeyValue, ResponseHeader, UnknownEnumValue } from './etcd-api-common-types.js';

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

export interface RangeRequest {
  key: Bytes;
  range_end: Bytes;
  limit: Int64;
  revision: Int64;
  sort_order: SortOrder | UnknownEnumValue;
  sort_target: SortTarget | UnknownEnumValue;
  serializable: boolean;
  keys_only: boolean;
  count_only: boolean;
  min_mod_revision: Int64;
  max_mod_revision: Int64;
  min_create_revision: Int64;
  max_create_revision: Int64;
}

export interface RangeResponse {
  header: ResponseHeader | null;
  kvs: KeyValue[];
  more: boolean;
  count: Int64;
}

export interface PutRequest {
  key: Bytes;
  value: Bytes;
  lease: Int64;
  prev_kv: boolean;
  ignore_value: boolean;
  ignore_lease: boolean;
}

export interface PutResponse {
  header: ResponseHeader | null;
  prev_kv: KeyValue | null;
}

export interface DeleteRangeRequest {
  key: Bytes;
  range_end: Bytes;
  prev_kv: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader | null;
  deleted: Int64;
  prev_kvs: KeyValue[];
}

/** One operation of a transaction; `request` names the member that is set (absent if none). */
export type RequestOp =
  | { request: 'request_range'; request_range: RangeRequest }
  | { request: 'request_put'; request_put: PutRequest }
  | { request: 'request_delete_range'; request_delete_range: DeleteRangeRequest }
  | { request: 'request_txn'; request_txn: TxnRequest }
  | { request?: undefined };

/** One result of a transaction, in the order of its operations. */
export type ResponseOp =
  | { response: 'response_range'; response_range: RangeResponse }
  | { response: 'response_put'; response_put: PutResponse }
  | { response: 'response_delete_range'; response_delete_range: DeleteRangeResponse }
  | { response: 'response_txn'; response_txn: TxnResponse }
  | { response?: undefined };

export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/** The operand of a comparison; `target_union` names the member that is set. */
export type CompareOperand =
  | { target_union: 'version'; version: Int64 }
  | { target_union: 'create_revision'; create_revision: Int64 }
  | { target_union: 'mod_revision'; mod_revision: Int64 }
  | { target_union: 'value'; value: Bytes }
  | { target_union: 'lease'; lease: Int64 }
  | { target_union?: undefined };

export type Compare = {
  result: CompareResult | UnknownEnumValue;
  target: CompareTarget | UnknownEnumValue;
  key: Bytes;
  range_end: Bytes;
} & CompareOperand;

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader | null;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: Int64;
  physical: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader | null;
}
