// Messages of etcd's Watch service, as they arrive; see etcd-api-common-types.ts.

import type { Bytes, EmptyMessage, Event, Int64, ResponseHeader, UnknownEnumValue } from './etcd-api-common-types.js';

export type WatchFilterType = 'NOPUT' | 'NODELETE';

export interface WatchCreateRequest {
  key: Bytes;
  range_end: Bytes;
  start_revision: Int64;
  progress_notify: boolean;
  filters: (WatchFilterType | UnknownEnumValue)[];
  prev_kv: boolean;
  watch_id: Int64;
  fragment: boolean;
}

export interface WatchCancelRequest {
  watch_id: Int64;
}

/** Asks for a progress response as soon as possible. */
export type WatchProgressRequest = EmptyMessage;

/** One message on the client side of a watch stream; `request_union` names its kind. */
export type WatchRequest =
  | { request_union: 'create_request'; create_request: WatchCreateRequest }
  | { request_union: 'cancel_request'; cancel_request: WatchCancelRequest }
  | { request_union: 'progress_request'; progress_request: WatchProgressRequest }
  | { request_union?: undefined };

export interface WatchResponse {
  header: ResponseHeader | null;
  watch_id: Int64;
  created: boolean;
  canceled: boolean;
  compact_revision: Int64;
  cancel_reason: string;
  fragment: boolean;
  events: Event[];
}
