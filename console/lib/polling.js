// A value read again every few seconds while a page shows it: the next read starts once the last one
// ended, so a slow member never piles requests up, and a failed read keeps the last value.
import { useCallback, useEffect, useRef, useState } from './html.js';

/**
 * { value, error, refresh }: `read(signal)` resolves with the value; `deps` restart the reads
 * (the Api, say); refresh() reads at once.
 */
export function usePolling(read, intervalMs, deps) {
  const [value, setValue] = useState(undefined);
  const [error, setError] = useState(undefined);
  const refreshNow = useRef(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer;
    const controller = new AbortController();
    const load = async () => {
      clearTimeout(timer);
      try {
        const next = await read(controller.signal);
        if (stopped) return;
        setValue(next);
        setError(undefined);
      } catch (err) {
        if (stopped) return;
        setError(err);
      }
      timer = setTimeout(load, intervalMs);
    };
    refreshNow.current = load;
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    };
  }, deps);
  const refresh = useCallback(() => refreshNow.current(), []);
  return { value, error, refresh };
}
