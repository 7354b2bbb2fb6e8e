// The Lock service's one error that is not in etcd's catalogue of server errors (etcd-errors.ts):
// the Go client's concurrency.ErrSessionExpired, which etcd's lock server returns as a plain
// error, so clients see its message with gRPC code UNKNOWN.
import { status } from '@grpc/grpc-js';

export class LockSessionExpiredError extends Error {
  /** The gRPC status it travels with; `details` is the message, as a gRPC status carries it. */
  readonly code = status.UNKNOWN;
  readonly details = 'mutex: session is expired';

  constructor() {
    super('mutex: session is expired');
    this.name = 'LockSessionExpiredError';
  }
}
