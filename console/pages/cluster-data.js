// The cluster's state as /ui/api/cluster gives it (every member asked for its own status, health and
// metrics), refreshed every 2 s while a page shows it. The cluster page and the leases page (its
// watcher counts) both read it.
import { usePolling } from '../lib/polling.js';

export const REFRESH_MS = 2000;

/** { overview, error, refresh }: the last answer (kept through a failed refresh), the last failure. */
export function useClusterOverview(api) {
  const { value, error, refresh } = usePolling((signal) => api.get('/ui/api/cluster', { signal }), REFRESH_MS, [api]);
  return { overview: value, error, refresh };
}

/** The member that leads, by the members' own statuses (each reachable one names whom it follows). */
export function leaderOf(overview) {
  if (!overview) return undefined;
  const leaders = overview.members.filter((m) => m.reachable && m.status && m.status.leader === m.id);
  if (leaders.length === 1) return leaders[0];
  return overview.members.find((m) => m.id === overview.leader);
}

/** 'leader' | 'follower' | 'learner' | 'unreachable'. */
export function roleOf(member) {
  if (!member.reachable || !member.status) return 'unreachable';
  if (member.isLearner || member.status.isLearner) return 'learner';
  return member.status.leader === member.id ? 'leader' : 'follower';
}

/** A member's name for people: its name, or its hex ID before it has started. */
export function memberLabel(member) {
  return member?.name || member?.idHex || 'none';
}

/** Bytes as "1.5 MiB". */
export function formatBytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
