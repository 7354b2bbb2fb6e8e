// watch: --watchers watchers of one prefix (on a follower; on every member with --target all,
// on the leader with --target leader), puts of --val-size values under it through the leader at
// --put-rate. Measures the delay from each put's acknowledgement to its event at each watcher
// (events arriving first count 0) and the events delivered per second.
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { Fanout } from '../tool/fanout.js';
import { KeySpace, ValuePool } from '../tool/keys.js';
import { runWatchedPuts } from '../tool/watched-puts.js';
import type { Workload } from '../tool/workload.js';

const PREFIX = 'bench-watch/';

export const watchWorkload: Workload = {
  name: 'watch',
  async prepare(system, ctx) {
    const o = ctx.options;
    const leader = system.endpoints[await system.leaderIndex()]!;
    const watched = o.target === 'all' ? system.endpoints : await system.placed(o.target === 'leader' ? 'leader' : 'follower');
    const prefix = Buffer.from(PREFIX);
    const fanout = new Fanout(watched, Array.from({ length: o.watchers }, () => ({ key: prefix, range_end: prefixEnd(prefix) })));
    const kv = createEtcdClient('KV', leader);
    try {
      await fanout.start();
    } catch (e) {
      fanout.close();
      kv.close();
      throw e;
    }
    const keys = new KeySpace(PREFIX, 100, 4);
    const values = new ValuePool(o.valSize);
    return {
      round: (c) =>
        runWatchedPuts(
          { label: `${system.name}: puts to ${o.watchers} watchers`, kv, fanout, request: (n) => ({ key: keys.key(n), value: values.value(n) }), watchersOf: () => o.watchers },
          c,
        ),
      async close() {
        fanout.close();
        kv.close();
      },
    };
  },
};
