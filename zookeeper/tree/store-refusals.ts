// The member's refusals of a txn that mean something to a ZooKeeper client: its session's lease is
// gone (SessionExpired), or the write is more than one txn may carry (--max-txn-ops,
// --max-request-bytes: BadArguments, so the member keeps serving the connection, where a ZooKeeper
// server would drop it). Any other rejection (no leader, timeouts) is passed on as it is.
import { ZkTreeError, type ZkErrorName } from './errors.js';

const BY_CODE: Readonly<Record<string, ZkErrorName>> = {
  ETCD_LEASE_NOT_FOUND: 'SESSION_EXPIRED',
  STORE_LEASE_NOT_FOUND: 'SESSION_EXPIRED',
  ETCD_TOO_MANY_OPS: 'BAD_ARGUMENTS',
  STORE_TOO_MANY_OPS: 'BAD_ARGUMENTS',
  ETCD_REQUEST_TOO_LARGE: 'BAD_ARGUMENTS',
  STORE_REQUEST_TOO_LARGE: 'BAD_ARGUMENTS',
};

/** The ZooKeeper error a write's rejection stands for, or the rejection itself. */
export function asZkError(error: unknown): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const name = typeof code === 'string' ? BY_CODE[code] : undefined;
  return name === undefined ? error : new ZkTreeError(name, undefined, { cause: error });
}
