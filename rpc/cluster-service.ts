// etcd's Cluster service: the member list and membership changes (add, remove, update, promote).
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { header } from './kv-convert.js';
import type { KvBackend } from './kv-backend.js';
import type { ClusterBackend, MemberInfo } from './member-backend.js';
import type { AuthBackend } from './auth-backend.js';
import type { CallOptions } from './call-options.js';
import { EtcdError } from './etcd-errors.js';
import { unary } from './unary.js';

function toPb(m: MemberInfo): pb.Outgoing<pb.Member> {
  return { ID: String(m.id), name: m.name, peerURLs: [...m.peerUrls], clientURLs: [...m.clientUrls], isLearner: m.isLearner };
}

/** A member ID from the wire: a uint64 we only ever give out below 2^53. */
function memberId(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new EtcdError('ETCD_MEMBER_NOT_FOUND');
  return n;
}

export function clusterService(kv: KvBackend, cluster: ClusterBackend, auth?: AuthBackend): ServiceHandlers<'Cluster'> {
  // etcd's checkMembershipOperationPermission: membership changes are root's once auth is on.
  const requireAdmin = (options: CallOptions): Promise<void> => auth?.requireAdmin(options) ?? Promise.resolve();
  // etcd's cluster service leaves the revision out of its headers.
  const hdr = (): pb.Outgoing<pb.ResponseHeader> => header(kv.headerFields(), 0);
  // etcd 3.4 serves a learner no Cluster call, the member list included.
  const refuseOnLearner = (): void => {
    if (cluster.status().isLearner) throw new EtcdError('ETCD_NOT_SUPPORTED_FOR_LEARNER');
  };
  return {
    MemberList: unary<pb.MemberListRequest, pb.Outgoing<pb.MemberListResponse>>(() => {
      refuseOnLearner();
      return { header: hdr(), members: cluster.memberList().map(toPb) };
    }),
    MemberAdd: unary<pb.MemberAddRequest, pb.Outgoing<pb.MemberAddResponse>>(async (req, options) => {
      refuseOnLearner();
      await requireAdmin(options);
      const { member, members } = await cluster.addMember(req.peerURLs, req.isLearner);
      return { header: hdr(), member: toPb(member), members: members.map(toPb) };
    }),
    MemberRemove: unary<pb.MemberRemoveRequest, pb.Outgoing<pb.MemberRemoveResponse>>(async (req, options) => {
      refuseOnLearner();
      await requireAdmin(options);
      return { header: hdr(), members: (await cluster.removeMember(memberId(req.ID))).map(toPb) };
    }),
    MemberUpdate: unary<pb.MemberUpdateRequest, pb.Outgoing<pb.MemberUpdateResponse>>(async (req, options) => {
      refuseOnLearner();
      await requireAdmin(options);
      return { header: hdr(), members: (await cluster.updateMember(memberId(req.ID), req.peerURLs)).map(toPb) };
    }),
    MemberPromote: unary<pb.MemberPromoteRequest, pb.Outgoing<pb.MemberPromoteResponse>>(async (req, options) => {
      refuseOnLearner();
      await requireAdmin(options);
      return { header: hdr(), members: (await cluster.promoteMember(memberId(req.ID))).map(toPb) };
    }),
  };
}
