// etcd's Maintenance service. Status is served (etcdctl endpoint status); the rest comes later.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { header } from './kv-convert.js';
import type { KvBackend } from './kv-backend.js';
import type { ClusterBackend } from './member-backend.js';
import { unary, unimplemented, unimplementedStream } from './unary.js';

/** The etcd version we answer as: clients gate features on it. */
export const ETCD_COMPATIBLE_VERSION = '3.5.0';

export function maintenanceService(kv: KvBackend, cluster: ClusterBackend): ServiceHandlers<'Maintenance'> {
  return {
    Status: unary<pb.StatusRequest, pb.Outgoing<pb.StatusResponse>>(() => {
      const s = cluster.status();
      return {
        header: header(kv.headerFields(), s.revision),
        version: ETCD_COMPATIBLE_VERSION,
        dbSize: String(s.dbSize),
        dbSizeInUse: String(s.dbSize),
        leader: String(s.leader),
        raftIndex: String(s.raftIndex),
        raftTerm: String(s.raftTerm),
        raftAppliedIndex: String(s.raftAppliedIndex),
        errors: [],
        isLearner: s.isLearner,
      };
    }),
    Alarm: unary<pb.AlarmRequest, pb.Outgoing<pb.AlarmResponse>>(() => ({ header: header(kv.headerFields(), cluster.status().revision), alarms: [] })),
    Defragment: unimplemented('Defragment'),
    Hash: unimplemented('Hash'),
    HashKV: unimplemented('HashKV'),
    Snapshot: unimplementedStream('Snapshot'),
    MoveLeader: unimplemented('MoveLeader'),
    Downgrade: unimplemented('Downgrade'),
  };
}
