// The hub's types are structural twins of what the Watch service asks of a member
// (rpc/watch-backend.ts): this file fails to compile if they drift apart.
import { describe, expect, it } from 'vitest';
import type { WatchBackend, WatchSink as RpcSink, WatchSpec as RpcSpec, Watcher as RpcWatcher } from '../../rpc/watch-backend.js';
import type { WatchSink, WatchSpec, Watcher } from '../../store/watch/types.js';
import { WatchHub } from '../../store/watch/watch-hub.js';
import { MvccHarness, b } from './helpers/mvcc-harness.js';
import { RecordingSink } from './helpers/watch-harness.js';

type Assignable<A, B> = [A] extends [B] ? true : false;
const twins: [
  Assignable<RpcSpec, WatchSpec>,
  Assignable<WatchSpec, RpcSpec>,
  Assignable<RpcSink, WatchSink>,
  Assignable<WatchSink, RpcSink>,
  Assignable<Watcher, RpcWatcher>,
] = [true, true, true, true, true];

describe('watch hub types', () => {
  it('hub.watch serves as the Watch service backend’s watch', async () => {
    expect(twins.every(Boolean)).toBe(true);
    const h = await MvccHarness.create();
    try {
      const hub = new WatchHub(h.store);
      const watch: WatchBackend['watch'] = (spec, sink) => hub.watch(spec, sink);
      const sink = new RecordingSink();
      const watcher = watch({ key: b('k'), startRevision: 0, prevKv: false, noPut: false, noDelete: false }, sink);
      expect(watcher.deliveredRevision).toBe(1);
      hub.close();
    } finally {
      await h.destroy();
    }
  });
});
