// The registry, live: one range of every registry key, then one watch of the same range that
// starts at the oldest current check's creation, so it first replays each check's past states
// (the timelines) and then follows every change as the cluster applies it. A compacted start
// revision restarts the watch from the compaction (older history is gone); a watch that ends
// (a member restarting) is opened again after a short wait.
import { useEffect, useState } from '../../lib/html.js';
import { prefixRangeEnd, textToBase64 } from '../../lib/bytes.js';
import { REGISTRY_START, RegistryState, SERVICES_PREFIX } from './registry-state.js';

const RETRY_MS = 2000;
const RANGE = { key: textToBase64(REGISTRY_START), range_end: prefixRangeEnd(SERVICES_PREFIX) };

/** Gateway code for a refusal by auth: reading again will not help. */
const PERMISSION_DENIED = 7;

/** → { registry (a RegistryState, undefined until read), error, live, tick }. `enabled` false reads nothing. */
export function useRegistry(api, enabled = true) {
  const [view, setView] = useState({ registry: undefined, error: undefined, live: false, tick: 0 });

  useEffect(() => {
    let stopped = false;
    let closeWatch;
    let retryTimer;
    let tick = 0;
    // Revisions below this are compacted: the watch cannot start earlier.
    let floor = 0;
    const publish = (registry, extra) => !stopped && setView({ registry, error: undefined, live: true, tick: ++tick, ...extra });

    const stopWatch = () => {
      const close = closeWatch;
      closeWatch = undefined;
      close?.();
    };
    const retry = (error) => {
      if (stopped) return;
      stopWatch();
      setView((v) => ({ ...v, error, live: false }));
      clearTimeout(retryTimer);
      if (error?.code === PERMISSION_DENIED) return;
      retryTimer = setTimeout(start, RETRY_MS);
    };

    async function start() {
      if (stopped) return;
      const registry = new RegistryState();
      let res;
      try {
        res = await api.gateway('kv/range', RANGE);
      } catch (err) {
        retry(err);
        return;
      }
      if (stopped) return;
      registry.load(res.kvs ?? [], Number(res.header?.revision ?? 0));
      registry.compactedBefore = floor;
      publish(registry);
      const from = Math.max(registry.historyStart(), floor, 1);
      closeWatch = api.watch(
        { ...RANGE, start_revision: String(from) },
        (result) => {
          if (result.canceled) {
            if (result.compact_revision && Number(result.compact_revision) > floor) {
              floor = Number(result.compact_revision);
              stopWatch();
              start();
            } else retry(new Error(result.cancel_reason || 'the member canceled the watch'));
            return;
          }
          if (!result.events?.length) return;
          registry.applyEvents(result.events);
          publish(registry);
        },
        (err) => err && retry(err),
      );
    }

    if (enabled) start();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      stopWatch();
    };
  }, [api, enabled]);

  return view;
}
