// Requests that only the leader can carry out, passed on by a follower over the peer protocol's
// Forward call (proto/lodestone/peer.proto), and the leader's answers. The follower has checked
// the client's credentials before it passes a request on (a membership change is root's, checked
// where the client called); the leader takes the request on the follower's word — it admits the
// call as any peer call, from a member of this cluster, over the peers' TLS when they use it — so
// the client's token or certificate never travels, and the follower's own client certificate is
// never taken for the client. The leader carries a request out itself and never passes it on
// again: one that no longer leads answers etcd's "not leader".
import type { NodeId } from '../raft/index.js';
import { asEtcdError } from '../rpc/error-mapping.js';
import { ETCD_ERRORS, EtcdError, type EtcdErrorCode } from '../rpc/etcd-errors.js';
import type { MemberInfo } from '../rpc/member-backend.js';
import { PeerError } from '../rpc/peer-errors.js';
import type { ForwardRequestOut, ForwardResponseIn, ForwardResponseOut, WireMember } from '../rpc/peer-service.js';
import { status as GrpcStatus } from '@grpc/grpc-js';

/** What forwarding needs from the member. */
export interface ForwardingPort {
  readonly self: NodeId;
  /** The leader this member knows of; 0 when it knows none. */
  leader(): NodeId;
  /** The peer transport's forward(); rejects with a PeerError. */
  forward(to: NodeId, request: ForwardRequestOut, deadline: number): Promise<ForwardResponseIn>;
}

/** A leader's answer that is not a refusal. */
export type ForwardAnswer = Exclude<ForwardResponseIn, { result: 'etcd_error' } | { result?: undefined }>;

/**
 * Passes `request` on to the leader and resolves with its answer; rejects with the etcd error the
 * leader refused it with, or with the one etcd gives when the leader could not be asked.
 */
export async function forwardToLeader(port: ForwardingPort, request: ForwardRequestOut, timeoutMs: number): Promise<ForwardAnswer> {
  const leader = port.leader();
  if (leader === 0) throw new EtcdError('ETCD_NO_LEADER');
  // This member was elected since its caller looked: the caller asks again, of itself.
  if (leader === port.self) throw new EtcdError('ETCD_LEADER_CHANGED');
  let response: ForwardResponseIn;
  try {
    response = await port.forward(leader, request, Date.now() + timeoutMs);
  } catch (e) {
    throw forwardFailure(e);
  }
  if (response.result === 'etcd_error') throw etcdErrorOf(response.etcd_error);
  if (response.result === undefined) throw new Error('the leader answered a forwarded request with nothing');
  return response;
}

/** The etcd error a leader named, or a plain error for a name this member does not know. */
export function etcdErrorOf(code: string): Error {
  if (Object.hasOwn(ETCD_ERRORS, code)) return new EtcdError(code as EtcdErrorCode);
  return new Error(`the leader refused a forwarded request with an error this member does not know: ${code}`);
}

/** How a Forward call that got no answer ends for the client, in etcd's words. */
function forwardFailure(e: unknown): unknown {
  if (!(e instanceof PeerError)) return e;
  switch (e.code) {
    case 'PEER_UNAVAILABLE': {
      const grpcCode = (e.cause as { code?: number } | undefined)?.code;
      if (grpcCode === GrpcStatus.DEADLINE_EXCEEDED) return new EtcdError('ETCD_TIMEOUT', { cause: e });
      // The leader took the request and failed it in a way that is not etcd's (a bug): say so.
      if (grpcCode === GrpcStatus.INTERNAL) return new Error(`the leader failed a forwarded request: ${e.message}`, { cause: e });
      return new EtcdError('ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST', { cause: e });
    }
    // The leader is stopping, or this member is.
    case 'PEER_CLOSED':
      return new EtcdError('ETCD_LEADER_CHANGED', { cause: e });
    case 'PEER_NOT_STARTED':
      return new EtcdError('ETCD_STOPPED', { cause: e });
    // The leader refused this member's call (it does not know it yet, or no longer): no answer to give.
    default:
      return new EtcdError('ETCD_UNHEALTHY', { cause: e });
  }
}

/** The leader's side: `serve`'s answer, or the etcd error it failed with as an answer. */
export async function answerForwarded(serve: () => Promise<ForwardResponseOut>): Promise<ForwardResponseOut> {
  try {
    return await serve();
  } catch (e) {
    const etcd = asEtcdError(e);
    if (etcd) return { etcd_error: etcd.code };
    throw e;
  }
}

export function toWireMember(m: MemberInfo): WireMember {
  return { id: String(m.id), name: m.name, peer_urls: [...m.peerUrls], client_urls: [...m.clientUrls], is_learner: m.isLearner };
}

export function fromWireMember(m: Partial<WireMember>): MemberInfo {
  return { id: Number(m.id ?? 0), name: m.name ?? '', peerUrls: m.peer_urls ?? [], clientUrls: m.client_urls ?? [], isLearner: m.is_learner ?? false };
}
