// The leases as etcd's gateway gives them: LeaseLeases for the IDs, then LeaseTimeToLive with
// keys=true for each one's granted TTL, time left and keys, refreshed every 2 s. The time left
// counts down between refreshes from when each answer arrived.
import { useCallback, useEffect, useRef, useState } from '../lib/html.js';
import { base64ToText } from '../lib/bytes.js';

export const LEASE_REFRESH_MS = 2000;
/** Leases asked for details per refresh: the registry's instances may hold thousands. */
export const LEASE_DETAIL_LIMIT = 200;

/** A lease ID (decimal text, int64) as etcdctl prints it: 16 hex digits. */
export function leaseHex(id) {
  return BigInt.asUintN(64, BigInt(id)).toString(16).padStart(16, '0');
}

async function leaseDetails(api, id, signal) {
  const r = await api.gateway('lease/timetolive', { ID: id, keys: true }, { signal });
  return {
    id,
    hex: leaseHex(id),
    grantedTtl: Number(r.grantedTTL ?? 0),
    ttl: Number(r.TTL ?? 0),
    keys: (r.keys ?? []).map(base64ToText),
    seenAt: performance.now(),
  };
}

/** { leases, total, error, refresh }: leases sorted by ID; `total` counts those not detailed too. */
export function useLeases(api) {
  const [state, setState] = useState({ leases: undefined, total: 0 });
  const [error, setError] = useState(undefined);
  const refreshNow = useRef(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer;
    const controller = new AbortController();
    const load = async () => {
      clearTimeout(timer);
      try {
        const list = await api.gateway('lease/leases', {}, { signal: controller.signal });
        const ids = (list.leases ?? []).map((l) => String(l.ID)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
        const shown = ids.slice(0, LEASE_DETAIL_LIMIT);
        const details = await Promise.all(shown.map((id) => leaseDetails(api, id, controller.signal)));
        if (stopped) return;
        // A lease that expired between the two calls answers TTL -1: it is gone.
        setState({ leases: details.filter((l) => l.ttl >= 0), total: ids.length });
        setError(undefined);
      } catch (err) {
        if (stopped) return;
        setError(err);
      }
      timer = setTimeout(load, LEASE_REFRESH_MS);
    };
    refreshNow.current = load;
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    };
  }, [api]);
  const refresh = useCallback(() => refreshNow.current(), []);
  return { ...state, error, refresh };
}

/** Re-renders every `ms` so countdowns move; returns the time now (performance.now()). */
export function useNow(ms = 500) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** Seconds left of a lease now, from its TTL when it was read. */
export function ttlLeft(lease, now) {
  return Math.max(0, Math.ceil(lease.ttl - (now - lease.seenAt) / 1000));
}
