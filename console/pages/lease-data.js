// The leases as etcd's gateway gives them: LeaseLeases for the IDs, then LeaseTimeToLive with
// keys=true for each one's granted TTL, time left and keys, refreshed every 2 s. The time left
// counts down between refreshes from when each answer arrived.
import { useEffect, useState } from '../lib/html.js';
import { usePolling } from '../lib/polling.js';
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
  const read = async (signal) => {
    const list = await api.gateway('lease/leases', {}, { signal });
    const ids = (list.leases ?? []).map((l) => String(l.ID)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const details = await Promise.all(ids.slice(0, LEASE_DETAIL_LIMIT).map((id) => leaseDetails(api, id, signal)));
    // A lease that expired between the two calls answers TTL -1: it is gone.
    return { leases: details.filter((l) => l.ttl >= 0), total: ids.length };
  };
  const { value, error, refresh } = usePolling(read, LEASE_REFRESH_MS, [api]);
  return { leases: value?.leases, total: value?.total ?? 0, error, refresh };
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
