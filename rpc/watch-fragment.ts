// Splitting a watcher's response that is too large, for watchers created with fragment=true, the
// way etcd's sendFragments does: a response under the limit, or with one event, goes whole;
// otherwise each part takes events until one more would reach the limit (always at least one),
// and every part but the last carries fragment=true. The client joins the parts again.
import type { MethodDefinition } from '@grpc/grpc-js';
import type * as pb from './etcd-api.js';
import { etcdServiceDefinition } from './etcd-api.js';
import type { EventOut, WatchResponseOut } from './watch-response.js';

let serialize: ((value: WatchResponseOut) => Buffer) | undefined;

/** The encoded size of a response; the events field adds each event's own encoding, so sizes add up. */
function encodedSize(response: WatchResponseOut): number {
  if (serialize === undefined) {
    const method: MethodDefinition<pb.WatchRequest, WatchResponseOut> = etcdServiceDefinition('Watch').Watch;
    serialize = method.responseSerialize;
  }
  return serialize(response).length;
}

export function fragmentResponse(response: WatchResponseOut, maxBytes: number): WatchResponseOut[] {
  const events = response.events ?? [];
  if (events.length < 2) return [response];
  const eventSizes = events.map((e: EventOut) => encodedSize({ events: [e] }));
  const eventsSize = eventSizes.reduce((a, b) => a + b, 0);
  if (encodedSize({ ...response, events: [] }) + eventsSize < maxBytes) return [response];

  // etcd measures each part with the fragment flag set, the last one too.
  const baseSize = encodedSize({ ...response, events: [], fragment: true });

  const parts: WatchResponseOut[] = [];
  let next = 0;
  while (next < events.length) {
    const start = next;
    let size = baseSize;
    while (next < events.length) {
      size += eventSizes[next]!;
      if (next > start && size >= maxBytes) break;
      next++;
    }
    parts.push({ ...response, events: events.slice(start, next), fragment: next < events.length });
  }
  return parts;
}
