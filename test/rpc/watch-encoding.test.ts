// Watch responses assembled from parts encoded once must be the very bytes the whole response
// encodes to, whatever the watcher's id, filters and prev_kv; and a revision's events are encoded
// once however many watchers get them.
import type { MethodDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type * as pb from '../../rpc/etcd-api.js';
import { etcdServiceDefinition } from '../../rpc/etcd-api.js';
import type { WatchSpec } from '../../rpc/watch-backend.js';
import { encodedEventsResponse, encodedWatchId } from '../../rpc/watch-encoding.js';
import { eventsResponse, selectEvents, type WatchResponseOut } from '../../rpc/watch-response.js';
import type { KeyValue, MvccEvent } from '../../store/mvcc/types.js';

const method: MethodDefinition<pb.WatchRequest, WatchResponseOut> = etcdServiceDefinition('Watch').Watch;
const text = new TextEncoder();

function kv(key: string, value: string, mod: number, version: number, lease = 0n): KeyValue {
  return { key: text.encode(key), value: text.encode(value), createRevision: mod - version + 1, modRevision: mod, version, lease };
}

const events: MvccEvent[] = [
  { type: 'put', kv: kv('config/a', 'one', 41, 3, 0x1234567890abcdefn), prevKv: kv('config/a', 'zero', 40, 2) },
  { type: 'put', kv: kv('config/b', '', 41, 1) },
  { type: 'delete', kv: { ...kv('config/c', '', 41, 0), createRevision: 0 }, prevKv: kv('config/c', 'gone', 12, 5) },
];
const header = { clusterId: 0xabcdef1234567, memberId: 0x1122334455667, raftTerm: 7 };

function spec(options: Partial<WatchSpec>): WatchSpec {
  return { key: text.encode('config/'), rangeEnd: text.encode('config0'), startRevision: 0, prevKv: false, noPut: false, noDelete: false, ...options };
}

describe('watch responses encoded in parts', () => {
  it.each([
    ['watch id 0, no options', 0n, spec({})],
    ['a large watch id, prev_kv', 123456789n, spec({ prevKv: true })],
    ['no puts', 5n, spec({ noPut: true, prevKv: true })],
    ['no deletes', 6n, spec({ noDelete: true })],
  ])('are the bytes of the whole response: %s', (_, id, s) => {
    const whole = method.responseSerialize(eventsResponse(header, 41, id, selectEvents(events, s)));
    const parts = encodedEventsResponse(header, 41, encodedWatchId(id), events, s);
    expect(parts?.bytes.equals(whole)).toBe(true);
    expect(method.responseDeserialize(parts!.bytes)).toEqual(method.responseDeserialize(whole));
  });

  it('are nothing when the filters leave no event', () => {
    expect(encodedEventsResponse(header, 41, encodedWatchId(1n), [events[2]!], spec({ noDelete: true }))).toBeUndefined();
  });

  it('differ between watchers only in watch_id, and across terms in the header', () => {
    const a = encodedEventsResponse(header, 41, encodedWatchId(1n), events, spec({}))!;
    const b = encodedEventsResponse(header, 41, encodedWatchId(2n), events, spec({}))!;
    const c = encodedEventsResponse({ ...header, raftTerm: 8 }, 41, encodedWatchId(2n), events, spec({}))!;
    // Only the watch_id differs between the first two; a new term changes the header.
    expect(a.bytes.length).toBe(b.bytes.length);
    expect(method.responseDeserialize(c.bytes).header?.raft_term).toBe('8');
    expect(method.responseDeserialize(b.bytes).watch_id).toBe('2');
  });
});
