// etcd's Lease service: LeaseGrant, LeaseRevoke, LeaseKeepAlive (a bidi stream, see
// lease-keepalive.ts), LeaseTimeToLive and LeaseLeases. Lease ids are int64 on the wire (decimal
// strings), bigint for the member; negative ids are ids like any other, as on etcd.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { EtcdError } from './etcd-errors.js';
import type { KvBackend } from './kv-backend.js';
import { header } from './kv-convert.js';
import type { LeaseBackend } from './lease-backend.js';
import { serveKeepAlive } from './lease-keepalive.js';
import { unary } from './unary.js';

/** etcd's lease.MaxLeaseTTL: a longer TTL is refused before it reaches consensus. */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;

/** Where response headers come from: the member's ids and term. */
export type HeaderSource = Pick<KvBackend, 'headerFields'>;

export function leaseService(backend: LeaseBackend, headers: HeaderSource): ServiceHandlers<'Lease'> {
  return {
    LeaseGrant: unary<pb.LeaseGrantRequest, pb.Outgoing<pb.LeaseGrantResponse>>(async (req, options) => {
      const ttl = Number(req.TTL);
      if (ttl > MAX_LEASE_TTL_SECONDS) throw new EtcdError('ETCD_LEASE_TTL_TOO_LARGE');
      const granted = await backend.grant(BigInt(req.ID), ttl, options);
      return { header: header(headers.headerFields(), granted.revision), ID: String(granted.id), TTL: String(granted.ttl) };
    }),
    LeaseRevoke: unary<pb.LeaseRevokeRequest, pb.Outgoing<pb.LeaseRevokeResponse>>(async (req, options) => {
      const revoked = await backend.revoke(BigInt(req.ID), options);
      return { header: header(headers.headerFields(), revoked.revision) };
    }),
    LeaseKeepAlive: (call) => serveKeepAlive(call, backend, headers),
    LeaseTimeToLive: unary<pb.LeaseTimeToLiveRequest, pb.Outgoing<pb.LeaseTimeToLiveResponse>>(async (req, options) => {
      // An unknown lease is an answer, not an error: TTL -1 (the member's contract, as etcd's).
      const r = await backend.timeToLive(BigInt(req.ID), req.keys, options);
      return {
        header: header(headers.headerFields(), r.revision),
        ID: String(r.id),
        TTL: String(r.ttl),
        grantedTTL: String(r.grantedTtl),
        keys: req.keys ? r.keys : [],
      };
    }),
    LeaseLeases: unary<pb.LeaseLeasesRequest, pb.Outgoing<pb.LeaseLeasesResponse>>(async () => {
      const r = await backend.leases();
      return { header: header(headers.headerFields(), r.revision), leases: r.ids.map((id) => ({ ID: String(id) })) };
    }),
  };
}
