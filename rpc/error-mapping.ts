// Every error a service handler may see becomes the status etcd would send: the store's request
// errors map to etcd's codes one to one; errors already in etcd's form pass through.
import { status } from '@grpc/grpc-js';
import type { ServerErrorResponse } from '@grpc/grpc-js';
import { AuthError } from '../store/auth/auth-errors.js';
import { StoreError, type StoreErrorCode } from '../store/errors.js';
import { EtcdError, toServiceError, type EtcdErrorCode } from './etcd-errors.js';

const FROM_STORE: Partial<Record<StoreErrorCode, EtcdErrorCode>> = {
  STORE_EMPTY_KEY: 'ETCD_EMPTY_KEY',
  STORE_KEY_NOT_FOUND: 'ETCD_KEY_NOT_FOUND',
  STORE_VALUE_PROVIDED: 'ETCD_VALUE_PROVIDED',
  STORE_LEASE_PROVIDED: 'ETCD_LEASE_PROVIDED',
  STORE_TOO_MANY_OPS: 'ETCD_TOO_MANY_OPS',
  STORE_DUPLICATE_KEY: 'ETCD_DUPLICATE_KEY',
  STORE_REQUEST_TOO_LARGE: 'ETCD_REQUEST_TOO_LARGE',
  STORE_COMPACTED: 'ETCD_COMPACTED',
  STORE_FUTURE_REV: 'ETCD_FUTURE_REV',
  STORE_LEASE_NOT_FOUND: 'ETCD_LEASE_NOT_FOUND',
  STORE_LEASE_EXISTS: 'ETCD_LEASE_EXIST',
  STORE_LEASE_TTL_TOO_LARGE: 'ETCD_LEASE_TTL_TOO_LARGE',
  STORE_NO_SPACE: 'ETCD_NO_SPACE',
  STORE_CLOSED: 'ETCD_STOPPED',
};

/** The etcd error a thrown value stands for, if it stands for one. */
export function asEtcdError(e: unknown): EtcdError | undefined {
  if (e instanceof EtcdError) return e;
  // The auth store's codes are etcd's, less the prefix: AUTH_USER_NOT_FOUND is ETCD_USER_NOT_FOUND.
  if (e instanceof AuthError) return new EtcdError(`ETCD_${e.authCode.slice('AUTH_'.length)}` as EtcdErrorCode, { cause: e });
  if (e instanceof StoreError) {
    const code = FROM_STORE[e.code];
    return code ? new EtcdError(code, { cause: e }) : undefined;
  }
  return undefined;
}

export function serviceError(e: unknown): ServerErrorResponse {
  const etcd = asEtcdError(e);
  if (etcd) return toServiceError(etcd);
  // Anything else is our fault, not the client's: say so without leaking internals as etcd's codes.
  const err = toServiceError(e);
  if (err.code === undefined) err.code = status.UNKNOWN;
  return err;
}
