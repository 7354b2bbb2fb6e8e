// The registry's reader (RegistryView) and writer (RegistryWriter) over a remote cluster: the few
// KV and watch calls they make, sent through the client's gRPC transport. The CLI thereby registers
// and reads exactly as a member does, with no second copy of the registry's logic.
import type { ClientTransport, ClientWrite } from '../../client/transport.js';
import { withRetry, type Safety } from '../../client/retry.js';
import { ClientError } from '../../client/errors.js';
import type { WatchBackend } from '../../rpc/watch-backend.js';
import type * as st from '../../store/mvcc/types.js';
import type { Watcher, WatchSink, WatchSpec } from '../../store/watch/types.js';
import type { RegistryKv } from '../../registry/registry-writer.js';

/** How long a request is retried (a leader election, a member that went away) before it fails. */
const RETRY_TIMEOUT_MS = 15_000;

/** The registry's reads and writes (the view needs only `range`). */
export type RemoteKv = RegistryKv;

/**
 * Reads are linearizable whatever the caller asks: a member's view may serve its local state, but
 * a command's answer should not be older than the write the user just made through another member.
 */
export function remoteKv(transport: ClientTransport, isClosed: () => boolean): RemoteKv {
  const retry = <T>(safety: Safety, attempt: () => Promise<T>): Promise<T> => withRetry(attempt, { safety, retryTimeoutMs: RETRY_TIMEOUT_MS, isClosed });
  return {
    range: (request: st.RangeRequest) => retry('read', () => transport.range(request, false)),
    write: async <R extends st.WriteRequest>(request: R): Promise<st.ResponseFor<R>> => {
      if (request.type !== 'put' && request.type !== 'deleteRange' && request.type !== 'txn') {
        throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a ${request.type} is not sent by the registry`);
      }
      const res = await retry('write', () => transport.write(request as ClientWrite));
      if (res.type !== request.type) throw new ClientError('LODESTONE_RPC_FAILED', `a ${res.type} response to a ${request.type}`);
      return res as st.ResponseFor<R>;
    },
  };
}

/**
 * A watch as the view asks for one (at once, from a revision) over the transport's, which is in
 * place only once the member has accepted it. The transport's watcher resumes by itself after a
 * lost connection; a watch that cannot go on at all is reported to `onError`.
 */
export function remoteWatch(transport: ClientTransport, onError: (error: Error) => void): Pick<WatchBackend, 'watch'> {
  return {
    watch(spec: WatchSpec, sink: WatchSink): Watcher {
      let cancelled = false;
      let delivered = spec.startRevision - 1;
      const pending = transport.watch(spec, {
        onEvents: (events) => {
          if (cancelled) return false;
          for (const e of events) delivered = Math.max(delivered, e.kv.modRevision);
          return sink.onEvents(events);
        },
        onCompacted: (revision) => {
          if (!cancelled) sink.onCompacted(revision);
        },
        onError: (error) => {
          if (!cancelled) onError(error);
        },
      });
      pending.catch((e: unknown) => {
        if (!cancelled) onError(e instanceof Error ? e : new Error(String(e)));
      });
      return {
        get deliveredRevision() {
          return delivered;
        },
        resume: () => void pending.then((w) => w.resume(), () => undefined),
        cancel: () => {
          cancelled = true;
          void pending.then((w) => w.cancel(), () => undefined);
        },
      };
    },
  };
}
