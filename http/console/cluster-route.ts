// /ui/api/cluster: the cluster page's view of every member (GET), and the two actions that must
// reach a particular member, which the browser cannot (it reaches only the member that served the
// page): POST /ui/api/cluster/defragment {member} runs Defragment on that member, POST
// /ui/api/cluster/move-leader {target} asks the leader to hand over. Both go to the member's JSON
// gateway with the caller's token, so the member checks them as it checks any client.
import type { CallOptions } from '../../rpc/call-options.js';
import type { MemberInfo } from '../../rpc/member-backend.js';
import type { ConsoleApiRoute, ConsoleCluster } from './console-api.js';
import { clusterOverview } from './cluster-overview.js';
import { ConsoleHttpError } from './console-error.js';
import { gatewayBody } from './gateway-answer.js';
import { asCaller } from './member-http.js';

/** Defragmenting a big member takes a while; a leader transfer up to two election timeouts. */
const ACTION_TIMEOUT_MS = 60_000;

export const clusterRoute: ConsoleApiRoute = {
  async GET({ source, rest, call }) {
    if (rest.length > 0) throw new ConsoleHttpError(404, 'CONSOLE_NOT_FOUND', `no console API route /ui/api/cluster/${rest.join('/')}`);
    return { status: 200, body: await clusterOverview(source.cluster, source.memberName, call) };
  },

  async POST({ source, rest, body, call }) {
    const action = rest.join('/');
    if (action === 'defragment') {
      const member = memberNamed(source.cluster, body['member'], 'member');
      const answer = await sendTo(source.cluster, member, '/v3/maintenance/defragment', {}, call);
      return { status: 200, body: { member: String(member.id), header: answer['header'] ?? null } };
    }
    if (action === 'move-leader') {
      const target = memberNamed(source.cluster, body['target'], 'target');
      // etcd checks no permission on MoveLeader; the console offers it to root alone and refuses
      // it to others here. A request without a token is a user's too, not the member's own.
      await source.auth.requireAdmin({ ...call, auth: call.auth ?? {} });
      const leaderId = source.cluster.leader();
      const leader = source.cluster.members().find((m) => m.id === leaderId);
      if (!leader) throw new ConsoleHttpError(503, 'CONSOLE_UNAVAILABLE', 'the cluster has no leader now');
      const answer = await sendTo(source.cluster, leader, '/v3/maintenance/transfer-leadership', { targetID: String(target.id) }, call);
      return { status: 200, body: { from: String(leader.id), to: String(target.id), header: answer['header'] ?? null } };
    }
    throw new ConsoleHttpError(404, 'CONSOLE_NOT_FOUND', `no console API route /ui/api/cluster/${action}`);
  },
};

/** The member a body names by its decimal or hex ID (etcdctl prints hex; the gateway decimal). */
function memberNamed(cluster: ConsoleCluster, value: unknown, field: string): MemberInfo {
  if (typeof value !== 'string' || value === '') throw new ConsoleHttpError(400, 'CONSOLE_BAD_REQUEST', `"${field}" is a member's ID`);
  const found = cluster.members().find((m) => String(m.id) === value || m.id.toString(16) === value.toLowerCase());
  if (!found) throw new ConsoleHttpError(404, 'CONSOLE_NOT_FOUND', `no member ${value} in the member list`);
  return found;
}

async function sendTo(cluster: ConsoleCluster, member: MemberInfo, path: string, body: Record<string, unknown>, call: CallOptions): Promise<Record<string, unknown>> {
  const origin = member.clientUrls[0];
  if (origin === undefined) throw new ConsoleHttpError(503, 'CONSOLE_UNAVAILABLE', `member ${member.id.toString(16)} has not started: it has no client URL yet`);
  let answer;
  try {
    answer = await cluster.http.send(origin, {
      method: 'POST',
      path,
      body,
      timeoutMs: ACTION_TIMEOUT_MS,
      ...asCaller(call),
    });
  } catch (e) {
    throw new ConsoleHttpError(503, 'CONSOLE_UNAVAILABLE', `member ${member.name || member.id.toString(16)} (${origin}) could not be reached: ${e instanceof Error ? e.message : String(e)}`);
  }
  return gatewayBody(origin, answer);
}
