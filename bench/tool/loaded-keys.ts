// The --keys keys of --val-size random bytes the memory and restart workloads need, loaded once per
// system (whichever of the two runs first loads them), through the leader.
import { fillKeys } from './fill.js';
import { KeySpace, ValuePool } from './keys.js';
import type { System } from './system.js';
import type { RunContext } from './workload.js';

const loaded = new WeakMap<System, Promise<number>>();

/** Resolves with the number of keys loaded. */
export function ensureKeysLoaded(system: System, ctx: RunContext): Promise<number> {
  let done = loaded.get(system);
  if (!done) {
    done = (async () => {
      const o = ctx.options;
      const keys = new KeySpace('bench-mem/', o.keys, 8);
      const values = new ValuePool(o.valSize, 16_384);
      const kv = system.openRaw(await system.placed('leader'));
      const started = performance.now();
      await fillKeys(kv, { count: o.keys, key: (i) => keys.key(i), value: (i) => values.value(i), label: `${system.name}: loading ${o.keys} keys`, quiet: ctx.quiet });
      ctx.note(`${system.name}: ${o.keys.toLocaleString('en-US')} keys loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return o.keys;
    })();
    loaded.set(system, done);
  }
  return done;
}
