// The cluster page's one call: every member of the member list asked for its own Status, /health
// and the few metrics only it counts, at once, each with a short deadline. A member that cannot be
// reached is reported as such beside the others; the answer never waits for it longer than that.
import type { AlarmInfo, MemberInfo } from '../../rpc/member-backend.js';
import type { CallOptions } from '../../rpc/call-options.js';
import type { ConsoleCluster } from './console-api.js';
import { gatewayBody } from './gateway-answer.js';
import { asCaller } from './member-http.js';
import { metricValues } from './prometheus-text.js';

/**
 * Long enough for a busy member (its /health waits for a read through raft), short enough that a
 * paused member does not stall the page's refresh for long; a stopped one refuses at once.
 */
export const MEMBER_TIMEOUT_MS = 3000;

const LEADER_CHANGES = 'etcd_server_leader_changes_seen_total';
const WATCHERS = 'etcd_debugging_mvcc_watcher_total';
const SLOW_WATCHERS = 'etcd_debugging_mvcc_slow_watcher_total';
const KEYS = 'etcd_debugging_mvcc_keys_total';

export interface MemberStatusView {
  /** The leader this member follows, as a decimal ID ('0': none). */
  readonly leader: string;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly revision: number;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly isLearner: boolean;
  readonly version: string;
  readonly errors: readonly string[];
}

export interface MemberView {
  /** IDs as decimal text (etcd's IDs are 64-bit) and as hex, as etcdctl prints them. */
  readonly id: string;
  readonly idHex: string;
  /** '' for a member added but not started yet. */
  readonly name: string;
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
  readonly isLearner: boolean;
  /** This member served the page. */
  readonly self: boolean;
  readonly reachable: boolean;
  /** Why it could not be asked. */
  readonly error?: string;
  readonly status?: MemberStatusView;
  readonly health?: { readonly healthy: boolean; readonly reason?: string };
  /** Why /health did not answer, when Status did. */
  readonly healthError?: string;
  readonly metrics?: { readonly leaderChanges?: number; readonly watchers?: number; readonly slowWatchers?: number; readonly keys?: number };
}

export interface ClusterOverview {
  /** The member that answered, its view of the leader (decimal ID, '0': none). */
  readonly member: string;
  readonly memberId: string;
  readonly leader: string;
  /** When the members were asked (ms since the epoch). */
  readonly at: number;
  readonly members: readonly MemberView[];
  readonly alarms: readonly { readonly memberId: string; readonly memberIdHex: string; readonly alarm: AlarmInfo['alarm'] }[];
}

export async function clusterOverview(cluster: ConsoleCluster, memberName: string, call: CallOptions): Promise<ClusterOverview> {
  // By name, as people look for them (the member list's own order is by ID).
  const members = [...cluster.members()].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const views = await Promise.all(members.map((m) => askMember(cluster, m, call)));
  return {
    member: memberName,
    memberId: String(cluster.memberId),
    leader: String(cluster.leader()),
    at: Date.now(),
    members: views,
    alarms: cluster.alarms().map((a) => ({ memberId: String(a.memberId), memberIdHex: a.memberId.toString(16), alarm: a.alarm })),
  };
}

async function askMember(cluster: ConsoleCluster, m: MemberInfo, call: CallOptions): Promise<MemberView> {
  const base = {
    id: String(m.id),
    idHex: m.id.toString(16),
    name: m.name,
    clientUrls: m.clientUrls,
    peerUrls: m.peerUrls,
    isLearner: m.isLearner,
    self: m.id === cluster.memberId,
  };
  const origin = m.clientUrls[0];
  if (origin === undefined) return { ...base, reachable: false, error: 'the member has not started: it has no client URL yet' };
  const ask = (method: 'GET' | 'POST', path: string, body?: unknown) =>
    cluster.http.send(origin, { method, path, body, timeoutMs: MEMBER_TIMEOUT_MS, ...asCaller(call) });
  const [status, health, metrics] = await Promise.allSettled([ask('POST', '/v3/maintenance/status', {}), ask('GET', '/health'), ask('GET', '/metrics')]);
  if (status.status === 'rejected') return { ...base, reachable: false, error: reason(status.reason) };
  let view: MemberStatusView;
  try {
    view = statusView(gatewayBody(origin, status.value));
  } catch (e) {
    return { ...base, reachable: false, error: reason(e) };
  }
  return {
    ...base,
    reachable: true,
    status: view,
    ...(health.status === 'fulfilled' ? { health: healthView(health.value.status, health.value.text) } : { healthError: reason(health.reason) }),
    ...(metrics.status === 'fulfilled' && metrics.value.status === 200 ? { metrics: metricsView(metrics.value.text) } : {}),
  };
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);

/** The gateway's StatusResponse (64-bit numbers as strings, zero values left out). */
function statusView(b: Record<string, unknown>): MemberStatusView {
  const header = (b['header'] ?? {}) as Record<string, unknown>;
  return {
    leader: String(b['leader'] ?? '0'),
    raftTerm: num(b['raftTerm']),
    raftIndex: num(b['raftIndex']),
    raftAppliedIndex: num(b['raftAppliedIndex']),
    revision: num(header['revision']),
    dbSize: num(b['dbSize']),
    dbSizeInUse: num(b['dbSizeInUse']),
    isLearner: b['isLearner'] === true,
    version: typeof b['version'] === 'string' ? b['version'] : '',
    errors: Array.isArray(b['errors']) ? b['errors'].map(String) : [],
  };
}

/** /health: {"health":"true"} when healthy; etcd 3.5's reason beside "false" otherwise. */
function healthView(status: number, text: string): { healthy: boolean; reason?: string } {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // A non-JSON answer is not a healthy one.
  }
  const healthy = status === 200 && body['health'] === 'true';
  const why = typeof body['reason'] === 'string' && body['reason'] !== '' ? body['reason'] : healthy ? undefined : `HTTP ${status}`;
  return why === undefined ? { healthy } : { healthy, reason: why };
}

function metricsView(text: string): NonNullable<MemberView['metrics']> {
  const v = metricValues(text, [LEADER_CHANGES, WATCHERS, SLOW_WATCHERS, KEYS]);
  return { leaderChanges: v[LEADER_CHANGES], watchers: v[WATCHERS], slowWatchers: v[SLOW_WATCHERS], keys: v[KEYS] };
}
