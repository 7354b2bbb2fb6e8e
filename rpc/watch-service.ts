// etcd's Watch service: each call is one client's stream of watchers (see watch-stream.ts).
import type { AuthBackend } from './auth-backend.js';
import { callerAuth } from './call-options.js';
import type { ServiceHandlers } from './etcd-api.js';
import { serviceError } from './error-mapping.js';
import type { WatchBackend } from './watch-backend.js';
import { WatchStream, type WatchStreamOptions } from './watch-stream.js';

/** etcd's default: --max-request-bytes (1.5 MiB) plus the 512 KiB it allows for gRPC overhead. */
export const DEFAULT_MAX_WATCH_RESPONSE_BYTES = 1.5 * 1024 * 1024 + 512 * 1024;
/** etcd's default progress_notify interval (--experimental-watch-progress-notify-interval). */
export const DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;
/** Responses waiting to be sent to one client, in bytes, before its watchers pause. */
export const DEFAULT_MAX_BUFFERED_WATCH_BYTES = 4 * 1024 * 1024;
/**
 * Watchers one stream may hold: a Lodestone limit (etcd 3.4 has none), so that one runaway client
 * cannot grow a member without bound through a single stream. Generous on purpose: etcd's Go
 * client puts all the watches of a process that share request metadata on one stream, and service
 * discovery or configuration clients keep tens to hundreds there; 10,000 leaves two orders of
 * magnitude while bounding one stream to a few tens of megabytes (a member's watcher costs about
 * 3 KB).
 */
export const DEFAULT_MAX_WATCHERS_PER_STREAM = 10_000;
/** How often etcd's watch store syncs its watchers, where a pending progress request is looked at. */
const PROGRESS_RECHECK_MS = 100;

export interface WatchServiceOptions {
  /** Where responses of watchers created with fragment=true are split (etcd: max request bytes + 512 KiB). */
  readonly maxResponseBytes?: number;
  readonly progressNotifyIntervalMs?: number;
  /** Bytes of responses waiting to be sent to one client before its watchers pause. */
  readonly maxBufferedBytes?: number;
  /** Watchers one stream may hold (DEFAULT_MAX_WATCHERS_PER_STREAM unless set). */
  readonly maxWatchersPerStream?: number;
  /** Throws the error a new stream is refused with, when the member serves none now (a learner). */
  readonly refuseStream?: () => void;
  /** Checks each create against the stream's credentials, as etcd's watch server does. */
  readonly auth?: AuthBackend;
}

export function watchService(backend: WatchBackend, options: WatchServiceOptions = {}): ServiceHandlers<'Watch'> {
  const streamOptions: WatchStreamOptions = {
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_WATCH_RESPONSE_BYTES,
    progressNotifyIntervalMs: options.progressNotifyIntervalMs ?? DEFAULT_PROGRESS_NOTIFY_INTERVAL_MS,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_WATCH_BYTES,
    progressRecheckMs: PROGRESS_RECHECK_MS,
    maxWatchersPerStream: options.maxWatchersPerStream ?? DEFAULT_MAX_WATCHERS_PER_STREAM,
  };
  return {
    Watch: (call) => {
      // As etcd: the stream itself is refused, before any response.
      try {
        options.refuseStream?.();
      } catch (e) {
        call.emit('error', serviceError(e));
        return;
      }
      const { auth } = options;
      if (!auth) {
        new WatchStream(call, backend, streamOptions);
        return;
      }
      // The stream's credentials are its call's: requests wait (unread) until a simple token's login
      // is applied here, then every create is checked against them.
      const credentials = callerAuth(call);
      const withAuth: WatchStreamOptions = { ...streamOptions, refuseCreate: (spec) => auth.watchRefusal(credentials, spec.key, spec.rangeEnd) };
      auth.ready(credentials).then(
        () => {
          if (!call.cancelled) new WatchStream(call, backend, withAuth);
        },
        (e: unknown) => call.emit('error', serviceError(e)),
      );
    },
  };
}
