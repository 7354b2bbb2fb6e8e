// etcd's Election.Observe: a stream of the election's leaders as they change. The current leader
// (the oldest key under "<name>/") is sent, then every new value it proclaims, until its key is
// deleted; then the next leader, and so on. With no leader, the first key put under the prefix is
// the next one. Like etcd's, the stream ends with OK if the member fails a request.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { deadlineMs, goneReason, type BoundCallOptions } from './call-options.js';
import type * as pb from './etcd-api.js';
import { fromKeyValue, header } from './kv-convert.js';
import type { ConcurrencyBackend } from './lock-backend.js';
import { firstCreated, keyPrefix, prefixRangeEnd } from './lock-kv.js';
import { watchUntil, type EventVerdict } from './lock-watch.js';
import type * as st from '../store/mvcc/types.js';

export type ObserveCall = ServerWritableStream<pb.LeaderRequest, pb.Outgoing<pb.LeaderResponse>>;

export function serveObserve(call: ObserveCall, b: ConcurrencyBackend): void {
  const abandoned = new AbortController();
  const deadline = deadlineMs(call.getDeadline());
  const abandon = (): void => abandoned.abort(goneReason(deadline));
  call.on('cancelled', abandon);
  call.on('close', abandon);
  const options: BoundCallOptions = deadline === undefined ? { signal: abandoned.signal } : { signal: abandoned.signal, deadline };
  const send = (kv: st.KeyValue, revision: number): boolean =>
    call.write({ header: header(b.kv.headerFields(), revision), kv: fromKeyValue(kv) });
  const whenFull = (resume: () => void): void => {
    call.once('drain', resume);
  };
  observeLeaders(b, keyPrefix(call.request.name), send, whenFull, options).catch(() => {
    if (!abandoned.signal.aborted) call.end();
  });
}

/** Runs until the signal fires (or the member fails a request): both end it with a rejection. */
async function observeLeaders(
  b: ConcurrencyBackend,
  prefix: Uint8Array,
  send: (kv: st.KeyValue, revision: number) => boolean,
  whenFull: (resume: () => void) => void,
  options: BoundCallOptions,
): Promise<never> {
  const { signal } = options;
  for (;;) {
    const first = await firstCreated(b.kv, prefix, options);
    let leader = first.kv;
    let revision = first.revision;
    if (leader === undefined) {
      const spec = { key: prefix, rangeEnd: prefixRangeEnd(prefix), startRevision: first.revision, prevKv: false, noPut: false, noDelete: true };
      await watchUntil(b.watch, spec, signal, (event) => {
        if (event.type !== 'put') return 'more';
        leader = event.kv;
        revision = event.kv.modRevision;
        return 'stop';
      });
      // Compacted before a put was seen: read again.
      if (leader === undefined) continue;
    }
    send(leader, revision);
    const follow = (event: st.MvccEvent): EventVerdict => {
      if (event.type === 'delete') return 'stop';
      return send(event.kv, event.kv.modRevision) ? 'more' : 'full';
    };
    const spec = { key: leader.key, startRevision: revision + 1, prevKv: false, noPut: false, noDelete: false };
    // Its key deleted (or history compacted away): whoever leads now is read again.
    await watchUntil(b.watch, spec, signal, follow, whenFull);
  }
}
