// Conventions shared by every etcd API message type, and the mvccpb messages (KeyValue, Event)
// that several services carry.
//
// Each interface describes a message as grpc-js hands it to us when the protos are loaded with
// ETCD_LOADER_OPTIONS (see etcd-api.ts): every scalar and repeated field is present (defaults),
// a message-typed field that was not sent is `null`, a oneof names its set member in an extra
// string field, and the other members of the oneof are absent.

/**
 * A 64-bit signed integer as a decimal string. Lease and member ids use all 64 bits, beyond what
 * a JavaScript number holds exactly, so 64-bit fields travel as strings both ways.
 */
export type Int64 = string;

/** A 64-bit unsigned integer as a decimal string; see Int64. */
export type Uint64 = string;

/** Raw bytes: keys, values, ranges. Never text: etcd keys are arbitrary bytes. */
export type Bytes = Buffer;

/**
 * An enum value the peer sent that our definitions do not name (a newer etcd's value, or a
 * malformed request) arrives as its number; service code must reject or ignore it.
 */
export type UnknownEnumValue = number;

/** A message without fields (StatusRequest, WatchProgressRequest, ...). */
export type EmptyMessage = Record<string, never>;

export interface ResponseHeader {
  cluster_id: Uint64;
  member_id: Uint64;
  revision: Int64;
  raft_term: Uint64;
}

export interface KeyValue {
  key: Bytes;
  create_revision: Int64;
  mod_revision: Int64;
  version: Int64;
  value: Bytes;
  lease: Int64;
}

export type EventType = 'PUT' | 'DELETE';

export interface Event {
  type: EventType | UnknownEnumValue;
  kv: KeyValue | null;
  prev_kv: KeyValue | null;
}

/**
 * What we may hand to grpc-js to send a message `T`: any field may be left out (proto3 encodes
 * the default), and bytes may be any Uint8Array.
 */
export type Outgoing<T> = T extends Uint8Array
  ? Uint8Array
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer Element)[]
      ? readonly Outgoing<Element>[]
      : { [Field in keyof T]?: Outgoing<T[Field]> };
