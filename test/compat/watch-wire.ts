// A lean Watch client for suites and benchmarks that receive millions of events: requests are
// encoded with etcd's definitions, responses decoded by hand into just what the checks need
// (ids, flags, revisions, each event's type, key, revisions and value, and the previous value).
// grpc-js's generic decoder builds a full object per message, and with a thousand watchers the
// client then spends more CPU than the server it measures.
import { Client, credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { etcdServiceDefinition, type Outgoing, type WatchCreateRequest, type WatchRequest } from '../../rpc/etcd-api.js';

export const PUT = 0;
export const DELETE = 1;

export interface WireKeyValue {
  readonly key: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly value: Buffer;
  /** Decimal, as lease ids use all 64 bits. */
  readonly lease: string;
}

export interface WireEvent {
  /** PUT (0) or DELETE (1). */
  readonly type: number;
  readonly kv: WireKeyValue;
  readonly prevKv: WireKeyValue | undefined;
}

export interface WireWatchResponse {
  readonly revision: number;
  readonly watchId: number;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compactRevision: number;
  readonly cancelReason: string;
  readonly fragment: boolean;
  readonly events: readonly WireEvent[];
}

const EMPTY: Buffer = Buffer.alloc(0);

function int64(r: protobuf.Reader): number {
  // Revisions and watch ids stay far below 2^53.
  const v = r.int64() as unknown as { toNumber?: () => number } | number;
  return typeof v === 'number' ? v : v.toNumber!();
}

function int64String(r: protobuf.Reader): string {
  const v = r.int64() as unknown as { toString(): string } | number;
  return typeof v === 'number' ? String(v) : v.toString();
}

function bytes(r: protobuf.Reader, buf: Buffer): Buffer {
  const len = r.uint32();
  const start = r.pos;
  r.pos += len;
  return buf.subarray(start, start + len);
}

function keyValue(r: protobuf.Reader, buf: Buffer, end: number): WireKeyValue {
  let key = EMPTY;
  let value = EMPTY;
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  let lease = '0';
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: key = bytes(r, buf); break;
      case 2: createRevision = int64(r); break;
      case 3: modRevision = int64(r); break;
      case 4: version = int64(r); break;
      case 5: value = bytes(r, buf); break;
      case 6: lease = int64String(r); break;
      default: r.skipType(tag & 7);
    }
  }
  return { key, createRevision, modRevision, version, value, lease };
}

function event(r: protobuf.Reader, buf: Buffer, end: number): WireEvent {
  let type = PUT;
  let kv: WireKeyValue | undefined;
  let prevKv: WireKeyValue | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: type = r.int32(); break;
      case 2: { const len = r.uint32(); kv = keyValue(r, buf, r.pos + len); break; }
      case 3: { const len = r.uint32(); prevKv = keyValue(r, buf, r.pos + len); break; }
      default: r.skipType(tag & 7);
    }
  }
  return { type, kv: kv ?? { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: '0' }, prevKv };
}

/** Decodes an etcdserverpb.WatchResponse. */
export function decodeWatchResponse(buf: Buffer): WireWatchResponse {
  const r = protobuf.Reader.create(buf);
  let revision = 0;
  let watchId = 0;
  let created = false;
  let canceled = false;
  let compactRevision = 0;
  let cancelReason = '';
  let fragment = false;
  const events: WireEvent[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1: {
        const end = r.uint32() + r.pos;
        while (r.pos < end) {
          const t = r.uint32();
          if (t >>> 3 === 3) revision = int64(r);
          else r.skipType(t & 7);
        }
        break;
      }
      case 2: watchId = int64(r); break;
      case 3: created = r.bool(); break;
      case 4: canceled = r.bool(); break;
      case 5: compactRevision = int64(r); break;
      case 6: cancelReason = r.string(); break;
      case 7: fragment = r.bool(); break;
      case 11: { const len = r.uint32(); events.push(event(r, buf, r.pos + len)); break; }
      default: r.skipType(tag & 7);
    }
  }
  return { revision, watchId, created, canceled, compactRevision, cancelReason, fragment, events };
}

type WatchStream = ClientDuplexStream<Outgoing<WatchRequest>, WireWatchResponse>;

/**
 * One connection to a member's Watch service; each stream() opens a bidi stream on it, whose
 * responses arrive decoded by decodeWatchResponse.
 */
export class WireWatchClient {
  private readonly client: Client;
  private readonly serialize: (req: Outgoing<WatchRequest>) => Buffer;

  constructor(endpoint: string, options: { ownConnection?: boolean } = {}) {
    this.client = new Client(endpoint, credentials.createInsecure(), options.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {});
    const method = etcdServiceDefinition('Watch').Watch;
    this.serialize = (req) => method.requestSerialize(req as WatchRequest);
  }

  stream(): WatchStream {
    return this.client.makeBidiStreamRequest('/etcdserverpb.Watch/Watch', this.serialize, decodeWatchResponse, new Metadata());
  }

  close(): void {
    this.client.close();
  }
}

/** A create request as the stream takes it. */
export function createRequest(request: Outgoing<WatchCreateRequest>): Outgoing<WatchRequest> {
  return { create_request: request };
}

/** The end of the range of every key starting with `prefix` (etcdctl's --prefix). */
export function prefixEnd(prefix: string | Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
