// The member's refusals of a txn that mean something to a ZooKeeper client: its session's lease is
// gone (SessionExpired), or the write is more than one txn may carry (--max-txn-ops,
// --max-request-bytes: BadArguments, so the member keeps serving the connection, where a ZooKeeper
// server would drop it). Any other rejection (no leader, timeouts) is passed on as it is.
import type { ErrorCodeName } from '../jute/index.js';
import { ZkTreeError } from './errors.js';

const BY_CODE: Readonly<Record<string, ErrorCodeName>> = {
  ETCD_LEASE_NOT_FOUND: 'SessionExpired',
  STORE_LEASE_NOT_FOUND: 'SessionExpired',
  ETCD_TOO_MANY_OPS: 'BadArguments',
  STORE_TOO_MANY_OPS: 'BadArguments',
  ETCD_REQUEST_TOO_LARGE: 'BadArguments',
  STORE_REQUEST_TOO_LARGE: 'BadArguments',
};

/** The ZooKeeper error a write's rejection stands for, or the rejection itself. */
export function asZkError(error: unknown): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const name = typeof code === 'string' ? BY_CODE[code] : undefined;
  return name === undefined ? error : new ZkTreeError(name, undefined, { cause: error });
}
