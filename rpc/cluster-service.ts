// etcd's Cluster service. MemberList is served; membership changes through the API come later.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { header } from './kv-convert.js';
import type { KvBackend } from './kv-backend.js';
import type { ClusterBackend } from './member-backend.js';
import { unary, unimplemented } from './unary.js';

export function clusterService(kv: KvBackend, cluster: ClusterBackend): ServiceHandlers<'Cluster'> {
  return {
    MemberList: unary<pb.MemberListRequest, pb.Outgoing<pb.MemberListResponse>>(() => ({
      // etcd's cluster service leaves the revision out of its headers.
      header: header(kv.headerFields(), 0),
      members: cluster.memberList().map((m) => ({
        ID: String(m.id),
        name: m.name,
        peerURLs: [...m.peerUrls],
        clientURLs: [...m.clientUrls],
        isLearner: m.isLearner,
      })),
    })),
    MemberAdd: unimplemented('MemberAdd'),
    MemberRemove: unimplemented('MemberRemove'),
    MemberUpdate: unimplemented('MemberUpdate'),
    MemberPromote: unimplemented('MemberPromote'),
  };
}
