// etcd's Maintenance service: Status, Alarm, Hash, HashKV, Snapshot, MoveLeader and Defragment are served.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { header } from './kv-convert.js';
import type { KvBackend } from './kv-backend.js';
import type { ClusterBackend } from './member-backend.js';
import type { AuthBackend } from './auth-backend.js';
import type { CallOptions } from './call-options.js';
import { status } from '@grpc/grpc-js';
import { EtcdError, type EtcdErrorCode } from './etcd-errors.js';
import { serveSnapshot } from './maintenance-snapshot.js';
import { unary, unimplemented } from './unary.js';
import type { AlarmInfo, AlarmType } from './member-backend.js';

/** The etcd version we answer as: clients gate features on it. */
export const ETCD_COMPATIBLE_VERSION = '3.5.0';

/** The texts of etcd's auth store errors (auth/store.go), which its maintenance server sends raw. */
const AUTH_STORE_TEXT: Partial<Record<EtcdErrorCode, string>> = {
  ETCD_INVALID_AUTH_TOKEN: 'auth: invalid auth token',
  ETCD_USER_EMPTY: 'auth: user name is empty',
  ETCD_USER_NOT_FOUND: 'auth: user not found',
  ETCD_PERMISSION_DENIED: 'auth: permission denied',
};

export function maintenanceService(kv: KvBackend, cluster: ClusterBackend, auth?: AuthBackend): ServiceHandlers<'Maintenance'> {
  // etcd's authMaintenanceServer: Defragment, Hash, HashKV and Snapshot are root's once auth is on. It returns
  // its auth store's errors as they are, which gRPC sends as Unknown with the store's own text.
  const requireRoot = async (options: CallOptions): Promise<void> => {
    try {
      await auth?.requireAdmin(options);
    } catch (e) {
      const raw = e instanceof EtcdError ? AUTH_STORE_TEXT[e.code as EtcdErrorCode] : undefined;
      throw raw === undefined ? e : Object.assign(new Error(raw), { code: status.UNKNOWN, details: raw });
    }
  };
  // Lodestone's own checks (etcd 3.4 makes none) answer as the rest of the API does.
  const requireAdmin = (options: CallOptions): Promise<void> => auth?.requireAdmin(options) ?? Promise.resolve();
  // etcd 3.4 serves a learner Status and nothing else of this service.
  const refuseOnLearner = (): void => {
    if (cluster.status().isLearner) throw new EtcdError('ETCD_NOT_SUPPORTED_FOR_LEARNER');
  };
  return {
    Status: unary<pb.StatusRequest, pb.Outgoing<pb.StatusResponse>>(() => {
      const s = cluster.status();
      return {
        header: header(kv.headerFields(), s.revision),
        version: ETCD_COMPATIBLE_VERSION,
        dbSize: String(s.dbSize),
        dbSizeInUse: String(s.dbSizeInUse),
        leader: String(s.leader),
        raftIndex: String(s.raftIndex),
        raftTerm: String(s.raftTerm),
        raftAppliedIndex: String(s.raftAppliedIndex),
        errors: [...s.errors],
        isLearner: s.isLearner,
      };
    }),
    Alarm: unary<pb.AlarmRequest, pb.Outgoing<pb.AlarmResponse>>(async (req, options) => {
      refuseOnLearner();
      const alarm = alarmTypeOf(req.alarm);
      let alarms: readonly AlarmInfo[];
      if (req.action === 'ACTIVATE' || req.action === 'DEACTIVATE') {
        // Lodestone's own rule (etcd 3.4 checks nothing here): raising or clearing an alarm is root's.
        await requireAdmin(options);
        alarms = await cluster.changeAlarm(req.action === 'ACTIVATE' ? 'activate' : 'deactivate', Number(req.memberID), alarm);
      } else {
        // GET (the member ID is not looked at): every alarm for NONE, else those of the type asked.
        alarms = alarm === 'NONE' ? cluster.alarms() : cluster.alarms().filter((a) => a.alarm === alarm);
      }
      // etcd 3.4 answers the Alarm call without a header (its applier builds the response bare).
      return { header: null, alarms: alarms.map((a) => ({ memberID: String(a.memberId), alarm: a.alarm })) };
    }),
    Defragment: unary<pb.DefragmentRequest, pb.Outgoing<pb.DefragmentResponse>>(async (_req, options) => {
      refuseOnLearner();
      await requireRoot(options);
      await cluster.defragment();
      return { header: header(kv.headerFields(), cluster.status().revision) };
    }),
    Hash: unary<pb.HashRequest, pb.Outgoing<pb.HashResponse>>(async (_req, options) => {
      refuseOnLearner();
      await requireRoot(options);
      const r = await cluster.hash();
      return { header: header(kv.headerFields(), r.revision), hash: r.hash };
    }),
    HashKV: unary<pb.HashKVRequest, pb.Outgoing<pb.HashKVResponse>>(async (req, options) => {
      refuseOnLearner();
      await requireRoot(options);
      const r = await cluster.hashKV(Number(req.revision));
      return { header: header(kv.headerFields(), r.revision), hash: r.hash, compact_revision: String(r.compactRevision) };
    }),
    Snapshot: (call) =>
      serveSnapshot(
        call,
        async (options) => {
          refuseOnLearner();
          await requireRoot(options);
        },
        () => cluster.backendSnapshot(),
      ),
    MoveLeader: unary<pb.MoveLeaderRequest, pb.Outgoing<pb.MoveLeaderResponse>>(async (req) => {
      refuseOnLearner();
      const target = Number(req.targetID);
      if (!Number.isSafeInteger(target) || target <= 0) throw new EtcdError('ETCD_BAD_LEADER_TRANSFEREE');
      await cluster.moveLeader(target);
      return { header: header(kv.headerFields(), cluster.status().revision) };
    }),
    Downgrade: unimplemented('Downgrade'),
  };
}

/** An alarm type as it arrived; a number protobuf does not name counts as NONE (nothing matches it but "all"). */
function alarmTypeOf(t: pb.AlarmRequest['alarm']): AlarmType {
  return t === 'NOSPACE' || t === 'CORRUPT' ? t : 'NONE';
}
