// Waiting on the member's watch for the concurrency recipes: etcd's waitDeletes (a lock or
// campaign waits until every older key under its prefix is gone), built on a watcher that runs
// until its handler says stop.
import type { BoundCallOptions, CallSignal } from './call-options.js';
import { EtcdError } from './etcd-errors.js';
import type { KvBackend } from './kv-backend.js';
import { byCreation } from './lock-kv.js';
import type { MvccEvent } from '../store/mvcc/types.js';
import type { Watcher, WatchBackend, WatchSpec } from './watch-backend.js';

/** What a handler says about one event: stop watching, go on, or go on once there is room again. */
export type EventVerdict = 'stop' | 'more' | 'full';

/** Called when a handler answered 'full': `resume` restarts delivery (the member catches up). */
export type WhenFull = (resume: () => void) => void;

/**
 * Runs a member watcher until `onEvent` answers 'stop' ('stopped'), or the start revision turns
 * out compacted ('compacted': history no longer tells, the caller reads again). Rejects with
 * etcd's "request canceled" when `signal` fires, and the watcher is canceled in every case.
 */
export function watchUntil(
  watch: WatchBackend,
  spec: WatchSpec,
  signal: CallSignal,
  onEvent: (event: MvccEvent) => EventVerdict,
  whenFull?: WhenFull,
): Promise<'stopped' | 'compacted'> {
  return new Promise((resolve, reject) => {
    let watcher: Watcher | undefined;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      watcher?.cancel();
      finish();
    };
    const onAbort = (): void => settle(() => reject(new EtcdError('ETCD_CANCELED')));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    try {
      const created = watch.watch(spec, {
        onEvents(events) {
          if (settled) return false;
          let full = false;
          for (const event of events) {
            const verdict = onEvent(event);
            if (verdict === 'stop') {
              settle(() => resolve('stopped'));
              return false;
            }
            if (verdict === 'full') full = true;
          }
          if (!full) return true;
          whenFull?.(() => watcher?.resume());
          return false;
        },
        onCompacted() {
          settle(() => resolve('compacted'));
        },
      });
      // The member may have delivered everything needed during watch() itself.
      if (settled) created.cancel();
      else watcher = created;
    } catch (e) {
      settle(() => reject(e));
    }
  });
}

/**
 * etcd's waitDeletes: until no key under `prefix` created at or before `maxCreateRevision`
 * remains, wait for the newest of them to be deleted. Resolves with the revision of the read that
 * found none (the header etcd's Lock answers with).
 */
export async function waitDeletes(
  kv: KvBackend,
  watch: WatchBackend,
  prefix: Uint8Array,
  maxCreateRevision: number,
  options: BoundCallOptions,
): Promise<number> {
  for (;;) {
    const r = await kv.range(byCreation(prefix, 'descend', maxCreateRevision), false, options);
    const newest = r.kvs[0];
    if (newest === undefined) return r.revision;
    // From the read's revision: the key existed there, so its deletion is still ahead.
    const spec: WatchSpec = { key: newest.key, startRevision: r.revision, prevKv: false, noPut: true, noDelete: false };
    await watchUntil(watch, spec, options.signal, (event) => (event.type === 'delete' ? 'stop' : 'more'));
  }
}
