// Watch responses put together from parts encoded once, not once per watcher: a revision's events
// reach every watcher of their keys as the same objects, so each event is encoded once (with and
// without prev_kv), and the header once per revision. A protobuf message is the concatenation of
// its fields, so header + watch_id + events, each encoded alone, in field order, are the very bytes
// the whole response encodes to.
import type { MethodDefinition } from '@grpc/grpc-js';
import type { MvccEvent } from '../store/mvcc/types.js';
import type * as pb from './etcd-api.js';
import { EncodedResponse, etcdServiceDefinition } from './etcd-api.js';
import { fromKeyValue, header, type HeaderFields } from './kv-convert.js';
import type { WatchSpec } from './watch-backend.js';
import type { WatchResponseOut } from './watch-response.js';

let serializer: ((value: WatchResponseOut) => Buffer) | undefined;

function serialize(response: WatchResponseOut): Buffer {
  if (serializer === undefined) {
    const method: MethodDefinition<pb.WatchRequest, WatchResponseOut> = etcdServiceDefinition('Watch').Watch;
    serializer = method.responseSerialize;
  }
  return serializer(response);
}

interface EncodedEvent {
  plain?: Buffer;
  withPrevKv?: Buffer;
}

const events = new WeakMap<MvccEvent, EncodedEvent>();

/** The event as the `events` field of a WatchResponse (tag, length, Event). */
function encodedEvent(e: MvccEvent, withPrevKv: boolean): Buffer {
  let cached = events.get(e);
  if (cached === undefined) events.set(e, (cached = {}));
  const prev = withPrevKv && e.prevKv ? e.prevKv : undefined;
  const slot = prev ? 'withPrevKv' : 'plain';
  let bytes = cached[slot];
  if (bytes === undefined) {
    bytes = serialize({ events: [{ type: e.type === 'put' ? 'PUT' : 'DELETE', kv: fromKeyValue(e.kv), prev_kv: prev ? fromKeyValue(prev) : null }] });
    cached[slot] = bytes;
  }
  return bytes;
}

let lastHeader: (HeaderFields & { revision: number; bytes: Buffer }) | undefined;

/** The `header` field for this revision; the last one is kept, since every watcher of a revision asks for it. */
function encodedHeader(h: HeaderFields, revision: number): Buffer {
  const l = lastHeader;
  if (l !== undefined && l.revision === revision && l.raftTerm === h.raftTerm && l.memberId === h.memberId && l.clusterId === h.clusterId) return l.bytes;
  const bytes = serialize({ header: header(h, revision) });
  lastHeader = { clusterId: h.clusterId, memberId: h.memberId, raftTerm: h.raftTerm, revision, bytes };
  return bytes;
}

/** The `watch_id` field of a watcher's responses (empty for id 0, as proto3 leaves zero out). */
export function encodedWatchId(id: bigint): Buffer {
  return serialize({ watch_id: String(id) });
}

/** The response carrying a watcher's share of `all` (its filters applied, prev_kv if it asked), or undefined when it has none. */
export function encodedEventsResponse(h: HeaderFields, revision: number, watchId: Buffer, all: readonly MvccEvent[], spec: WatchSpec): EncodedResponse | undefined {
  const parts: Buffer[] = [];
  for (const e of all) {
    if (e.type === 'put' ? spec.noPut : spec.noDelete) continue;
    parts.push(encodedEvent(e, spec.prevKv));
  }
  if (parts.length === 0) return undefined;
  return new EncodedResponse(Buffer.concat([encodedHeader(h, revision), watchId, ...parts]));
}
