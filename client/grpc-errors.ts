// A failed gRPC call as the client reports it: etcd's own errors (recognised by their message, as
// etcd's clients do) become EtcdError; a member that could not be reached, or a call that broke in
// transit, becomes LODESTONE_UNAVAILABLE — with `sent: false` when the request never left.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { EtcdError, etcdErrorFromStatus } from '../rpc/etcd-errors.js';
import { ClientError } from './errors.js';

interface StatusLike {
  readonly code?: number;
  readonly details?: string;
  readonly message?: string;
}

/** grpc-js's words for a call that never reached a server. */
const NOT_SENT = [/^No connection established/, /^Stream refused by server/, /^Channel closed before call started/];

export function fromGrpcError(e: unknown): Error {
  if (e instanceof EtcdError || e instanceof ClientError) return e;
  const s = (typeof e === 'object' && e !== null ? e : {}) as StatusLike;
  const etcd = etcdErrorFromStatus(s.details === undefined ? {} : { details: s.details });
  if (etcd) return etcd;
  const details = s.details ?? s.message ?? String(e);
  switch (s.code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
      return new ClientError('LODESTONE_UNAVAILABLE', details, {
        grpcCode: s.code,
        sent: !NOT_SENT.some((re) => re.test(details)),
        cause: e,
      });
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new EtcdError('ETCD_DEADLINE_EXCEEDED', { cause: e });
    default:
      return new ClientError('LODESTONE_RPC_FAILED', details, { ...(s.code === undefined ? {} : { grpcCode: s.code }), cause: e });
  }
}
