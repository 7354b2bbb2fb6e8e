// When a failed request is sent again, and how long the client waits before it does.
//
// A read (and any request that may take effect twice without harm) is retried after every error
// that says the member could not serve it now: no leader, a timeout, a broken connection. A write is
// retried only when it certainly never reached the Raft log: the member refused it up front
// ("etcdserver: no leader" — a member without a leader proposes nothing, in etcd as here; "not
// capable", "too many requests", "not supported for learner"), or the client never got a connection
// to send it on. After a timeout or a connection lost mid-call a write may or may not have been
// applied: that error goes back to the caller, as etcd's own client does.
import { isEtcdError, type EtcdErrorCode } from '../rpc/etcd-errors.js';
import { closedError, isClientError } from './errors.js';

/** How a request may be retried. */
export type Safety = 'read' | 'write' | 'idempotent';

/** Refused before anything was proposed: safe to send again, even a write. */
const REFUSED_UP_FRONT: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  'ETCD_NO_LEADER',
  'ETCD_NOT_CAPABLE',
  'ETCD_TOO_MANY_REQUESTS',
  'ETCD_NOT_SUPPORTED_FOR_LEARNER',
]);

/** Not served now, but possibly applied: retried for reads and idempotent requests only. */
const OUTCOME_UNKNOWN: ReadonlySet<EtcdErrorCode> = new Set<EtcdErrorCode>([
  'ETCD_LEADER_CHANGED',
  'ETCD_STOPPED',
  'ETCD_TIMEOUT',
  'ETCD_TIMEOUT_DUE_TO_LEADER_FAIL',
  'ETCD_TIMEOUT_DUE_TO_CONNECTION_LOST',
  'ETCD_TIMEOUT_WAIT_APPLIED_INDEX',
  'ETCD_UNHEALTHY',
  'ETCD_DEADLINE_EXCEEDED',
]);

export function isRetryable(e: unknown, safety: Safety): boolean {
  if (isEtcdError(e)) {
    if (REFUSED_UP_FRONT.has(e.code)) return true;
    return safety !== 'write' && OUTCOME_UNKNOWN.has(e.code);
  }
  if (isClientError(e, 'LODESTONE_UNAVAILABLE')) return e.sent === false || safety !== 'write';
  return false;
}

/** Whether the error says something about the member that answered (so another should be tried). */
export function blamesMember(e: unknown): boolean {
  if (isEtcdError(e)) return e.code !== 'ETCD_TOO_MANY_REQUESTS' && (REFUSED_UP_FRONT.has(e.code) || OUTCOME_UNKNOWN.has(e.code));
  return isClientError(e, 'LODESTONE_UNAVAILABLE');
}

export interface BackoffOptions {
  /** The first wait, in milliseconds; doubled after each failure. */
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 1000 };

/** The wait before retry number `attempt` (0-based): exponential, with jitter so clients spread out. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export interface RetryOptions {
  readonly safety: Safety;
  /** Give up (with the last error) once this much time has passed since the first attempt. */
  readonly retryTimeoutMs: number;
  readonly backoff?: BackoffOptions;
  /** Stops retrying: the client was closed. */
  readonly isClosed: () => boolean;
  /** Told of each failure that will be retried (the router moves to another member). */
  readonly onRetry?: (error: unknown) => void;
}

/** Runs `attempt` until it succeeds, an error is not retryable, or the retry time is up. */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    if (options.isClosed()) throw closedError();
    try {
      return await attempt(n);
    } catch (e) {
      const again = isRetryable(e, options.safety);
      if (!again || options.isClosed()) throw options.isClosed() ? closedError() : e;
      const wait = backoffDelay(n, options.backoff);
      if (Date.now() + wait - started > options.retryTimeoutMs) throw e;
      options.onRetry?.(e);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
