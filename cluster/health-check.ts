// etcd's /health check, in its 3.4 order: an active alarm makes a member unhealthy, then having no
// leader, then a linearizable read that does not go through within a second (etcd 3.4 sends a
// quorum read through raft; Lodestone confirms a read index with the leader, the same round trip).
// With serializable, the read is skipped; the leader is still required, as etcd 3.4 requires it.
// The reasons are etcd 3.5's words; etcd 3.4 gives none.
import type { Health } from '../http/member-endpoints.js';
import type { NodeId } from '../raft/index.js';
import type { CallSignal } from '../rpc/call-options.js';
import { EtcdError } from '../rpc/etcd-errors.js';
import type { AlarmInfo } from '../rpc/member-backend.js';
import { alarmReason } from './alarms.js';

/** etcd 3.4 gives its health read one second. */
const READ_TIMEOUT_MS = 1000;

export interface HealthSource {
  alarms(): readonly AlarmInfo[];
  leader(): NodeId;
  /** Resolves once this member may serve a linearizable read; rejects when `signal` aborts first. */
  linearizableRead(signal: CallSignal): Promise<void>;
}

export async function checkHealth(source: HealthSource, serializable: boolean): Promise<Health> {
  const alarm = source.alarms()[0];
  if (alarm) return { healthy: false, reason: alarmReason(alarm) };
  if (source.leader() === 0) return { healthy: false, reason: 'RAFT NO LEADER' };
  if (serializable) return { healthy: true };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new EtcdError('ETCD_TIMEOUT')), READ_TIMEOUT_MS);
  try {
    await source.linearizableRead(abort.signal);
    return { healthy: true };
  } catch (e) {
    return { healthy: false, reason: `RANGE ERROR:${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}
