// etcd's Election service (v3electionpb.Election): Campaign, Proclaim, Leader, Observe, Resign.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { EtcdError } from './etcd-errors.js';
import { campaign, currentLeader, proclaim, resign, type Leadership } from './election-campaign.js';
import { serveObserve } from './election-observe.js';
import { fromKeyValue, header } from './kv-convert.js';
import type { ConcurrencyBackend } from './lock-backend.js';
import { concurrencyUnary } from './lock-call.js';
import { sessionLease } from './lock-mutex.js';

function leadership(key: pb.LeaderKey | null): Leadership {
  if (key === null) throw new EtcdError('ETCD_ELECTION_MISSING_LEADER_KEY');
  return { name: key.name, key: key.key, rev: Number(key.rev), lease: BigInt(key.lease) };
}

function toLeaderKey(l: Leadership): pb.Outgoing<pb.LeaderKey> {
  return { name: l.name, key: l.key, rev: String(l.rev), lease: String(l.lease) };
}

export function electionService(b: ConcurrencyBackend): ServiceHandlers<'Election'> {
  const headerAt = (revision: number) => header(b.kv.headerFields(), revision);
  return {
    Campaign: concurrencyUnary<pb.CampaignRequest, pb.Outgoing<pb.CampaignResponse>>(async (req, options) => {
      const lease = await sessionLease(b.lease, BigInt(req.lease), options);
      const elected = await campaign(b, req.name, lease, req.value, options);
      return { header: headerAt(elected.revision), leader: toLeaderKey(elected.leader) };
    }),
    Proclaim: concurrencyUnary<pb.ProclaimRequest, pb.Outgoing<pb.ProclaimResponse>>(async (req, options) => {
      const leader = leadership(req.leader);
      // etcd resumes the election in a session of the leader's lease: a new one when it names none.
      const lease = await sessionLease(b.lease, leader.lease, options);
      return { header: headerAt(await proclaim(b.kv, { ...leader, lease }, req.value, options)) };
    }),
    Leader: concurrencyUnary<pb.LeaderRequest, pb.Outgoing<pb.LeaderResponse>>(async (req, options) => {
      const current = await currentLeader(b.kv, req.name, options);
      return { header: headerAt(current.revision), kv: fromKeyValue(current.kv) };
    }),
    Observe: (call) => serveObserve(call, b),
    Resign: concurrencyUnary<pb.ResignRequest, pb.Outgoing<pb.ResignResponse>>(async (req, options) => {
      return { header: headerAt(await resign(b.kv, leadership(req.leader), options)) };
    }),
  };
}
