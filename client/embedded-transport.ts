// The client's transport to a member in the same process: the backends the gRPC services use, called
// directly — no serialization, no sockets. Errors are the member's own, in etcd's form.
import type { AuthBackend } from '../rpc/auth-backend.js';
import { asEtcdError } from '../rpc/error-mapping.js';
import type { KvBackend } from '../rpc/kv-backend.js';
import type { LeaseBackend } from '../rpc/lease-backend.js';
import type { WatchBackend, Watcher } from '../rpc/watch-backend.js';
import type * as st from '../store/mvcc/types.js';
import type { ConfigApiCaller } from './config-center/config-api.js';
import { InProcessConfigApi } from './config-center/in-process-api.js';
import { closedError } from './errors.js';
import type { ClientTransport, ClientWrite, TransportAuth, TransportWatcher, TransportWatchSink, TransportWatchSpec } from './transport.js';

export interface EmbeddedBackends {
  readonly kv: KvBackend;
  readonly watch: WatchBackend;
  readonly lease: LeaseBackend;
  readonly auth: AuthBackend;
}

export class EmbeddedTransport implements ClientTransport {
  readonly endpoint = undefined;
  private closed = false;
  private readonly watchers = new Map<Watcher, TransportWatchSink>();

  /**
   * The member's auth, called as the member itself: its checks apply to clients of the served API,
   * not to the node's own calls (which are not checked once auth is enabled either).
   */
  readonly auth: TransportAuth;

  constructor(private readonly backends: EmbeddedBackends) {
    const auth = backends.auth;
    this.auth = {
      change: (request) => this.call(() => auth.change(request)),
      status: () => this.call(() => auth.status()),
      userGet: (name) => this.call(() => auth.userGet(name)),
      userList: () => this.call(() => auth.userList()),
      roleGet: async (role) => (await this.call(() => auth.roleGet(role))).permissions,
      roleList: () => this.call(() => auth.roleList()),
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    try {
      return await fn();
    } catch (e) {
      if (this.closed) throw closedError();
      throw asEtcdError(e) ?? e;
    }
  }

  /** The config center's routes over the member's own KV backend: no HTTP, and no listener needed. */
  configApi(): ConfigApiCaller {
    return new InProcessConfigApi(this.backends.kv);
  }

  range(request: st.RangeRequest, serializable: boolean): Promise<st.RangeResponse> {
    return this.call(() => this.backends.kv.range(request, serializable));
  }

  readTxn(request: st.TxnRequest, serializable: boolean): Promise<st.TxnResponse> {
    return this.call(() => this.backends.kv.readTxn(request, serializable));
  }

  write(request: ClientWrite): Promise<st.WriteResponse> {
    return this.call(() => this.backends.kv.write(request));
  }

  leaseGrant(id: bigint, ttl: number): Promise<{ id: bigint; ttl: number }> {
    return this.call(() => this.backends.lease.grant(id, ttl));
  }

  async leaseRevoke(id: bigint): Promise<void> {
    await this.call(() => this.backends.lease.revoke(id));
  }

  async leaseKeepAlive(id: bigint): Promise<number> {
    return (await this.call(() => this.backends.lease.keepAlive(id))).ttl;
  }

  async leaseTimeToLive(id: bigint): Promise<number> {
    return (await this.call(() => this.backends.lease.timeToLive(id, false))).ttl;
  }

  async watch(spec: TransportWatchSpec, sink: TransportWatchSink): Promise<TransportWatcher> {
    if (this.closed) throw closedError();
    // "From now" is pinned to the revision as of this call, as a remote member's "created" is.
    const startRevision = spec.startRevision > 0 ? spec.startRevision : this.backends.watch.currentRevision() + 1;
    const watcher: Watcher = this.backends.watch.watch(
      { ...spec, startRevision },
      {
        onEvents: (events) => sink.onEvents(events),
        onCompacted: (rev) => {
          this.watchers.delete(watcher);
          sink.onCompacted(rev);
        },
      },
    );
    this.watchers.set(watcher, sink);
    return {
      startedAfter: startRevision - 1,
      resume: () => watcher.resume(),
      cancel: () => {
        this.watchers.delete(watcher);
        watcher.cancel();
      },
    };
  }

  /** Ends the watchers (the member's own close would end them without a word to their sinks). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [watcher, sink] of this.watchers) {
      watcher.cancel();
      sink.onError(closedError());
    }
    this.watchers.clear();
  }
}
