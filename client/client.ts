// The client API over a transport: the operations, their retries, transactions, leases kept alive,
// and watches as async iterators. The same class serves an embedded node and a remote cluster; only
// the transport differs.
import { randomBytes } from 'node:crypto';
import { isEtcdError } from '../rpc/etcd-errors.js';
import type * as st from '../store/mvcc/types.js';
import { isKeyRange, keySpan, type Bytes, type KeySelector } from './bytes.js';
import { ClientAuth } from './client-auth.js';
import { ClientWatch } from './client-watch.js';
import { ConfigCenterAdmin } from './config-center/admin-client.js';
import type { ConfigApiCaller } from './config-center/config-api.js';
import { configView, type ConfigView } from './config-center/config-view.js';
import { subscribeConfig, type ConfigSubscription, type ConfigSubscriptionOptions } from './config-center/subscription.js';
import { ClientError, closedError } from './errors.js';
import { KeptLease } from './kept-lease.js';
import type { KeyValue } from './key-value.js';
import type { KvClient, Lease, Watch } from './kv-client.js';
import { deleteRequest, getRequest, putRequest, rangeRequest, toDeleteResult, toPutResult, toRangeResult } from './requests.js';
import { withRetry, type Safety } from './retry.js';
import type { ClientTransport, ClientWrite } from './transport.js';
import { TxnBuilder } from './txn-builder.js';
import type {
  DeleteOptions,
  DeleteResult,
  GrantOptions,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  ReadOptions,
  WatchOptions,
} from './types.js';

export interface ClientOptions {
  /** How long a request is retried (with back-off) before its last error is thrown. Default 30 s. */
  readonly retryTimeoutMs?: number;
  /** Deadline of one attempt of a request. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_RETRY_TIMEOUT_MS = 30_000;

export class Client implements KvClient {
  private closed = false;
  private readonly leases = new Set<KeptLease>();
  private readonly watches = new Set<ClientWatch>();
  private readonly retryTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private configApi: ConfigApiCaller | undefined;
  private configAdmin: ConfigCenterAdmin | undefined;
  /** etcd's Auth API: users, roles, permissions, and auth on or off. */
  readonly auth: ClientAuth;

  constructor(
    private readonly transport: ClientTransport,
    options: ClientOptions = {},
  ) {
    this.retryTimeoutMs = options.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.auth = new ClientAuth(transport.auth, (safety, attempt) => this.retry(safety, attempt));
  }

  /** The member this client sends requests to now ("host:port"); undefined for an embedded node. */
  get endpoint(): string | undefined {
    return this.transport.endpoint;
  }

  /**
   * The config center: namespaces, publish, history, diff, rollback, schemas, gray release, status —
   * over the members' HTTP JSON API on the same endpoints, TLS and login (an embedded node: the same
   * routes, run in its process).
   */
  get configCenter(): ConfigCenterAdmin {
    if (this.closed) throw closedError();
    this.configApi ??= this.transport.configApi({ requestTimeoutMs: this.requestTimeoutMs, retryTimeoutMs: this.retryTimeoutMs });
    this.configAdmin ??= new ConfigCenterAdmin(this.configApi);
    return this.configAdmin;
  }

  private retry<T>(safety: Safety, attempt: (n: number) => Promise<T>): Promise<T> {
    return withRetry(attempt, { safety, retryTimeoutMs: this.retryTimeoutMs, isClosed: () => this.closed });
  }

  async get(key: Bytes, options: ReadOptions = {}): Promise<KeyValue | undefined> {
    const request = getRequest(key, options);
    const res = await this.retry('read', () => this.transport.range(request, options.serializable ?? false));
    return toRangeResult(res).kvs[0];
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    if (!isKeyRange(options)) throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'range() takes { prefix } or { from, to }');
    const request = rangeRequest(options);
    const res = await this.retry('read', () => this.transport.range(request, options.serializable ?? false));
    return toRangeResult(res);
  }

  async put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const res = await this.write({ type: 'put', request: putRequest(key, value, options) }, options.idempotent);
    if (res.type !== 'put') throw unexpected(res.type);
    return toPutResult(res.response);
  }

  async delete(target: KeySelector, options: DeleteOptions = {}): Promise<DeleteResult> {
    const res = await this.write({ type: 'deleteRange', request: deleteRequest(target, options) }, options.idempotent);
    if (res.type !== 'deleteRange') throw unexpected(res.type);
    return toDeleteResult(res.response);
  }

  txn(): TxnBuilder {
    return new TxnBuilder(async (request, { readOnly, idempotent }) => {
      if (readOnly) return this.retry('read', () => this.transport.readTxn(request, false));
      const res = await this.write({ type: 'txn', request }, idempotent);
      if (res.type !== 'txn') throw unexpected(res.type);
      return res.response;
    });
  }

  private write(request: ClientWrite, idempotent: boolean | undefined): Promise<st.WriteResponse> {
    return this.retry(idempotent ? 'idempotent' : 'write', () => this.transport.write(request));
  }

  /**
   * The client picks the lease id, so a grant whose answer was lost can be sent again: if the first
   * attempt did go through, the second finds the lease there, which is as good as granting it.
   */
  async grant(ttl: number, options: GrantOptions = {}): Promise<Lease> {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a lease TTL is a positive number of seconds, not ${ttl}`);
    const id = randomLeaseId();
    const granted = await this.retry('idempotent', async (n) => {
      try {
        return await this.transport.leaseGrant(id, ttl);
      } catch (e) {
        if (n > 0 && isEtcdError(e, 'ETCD_LEASE_EXIST')) return { id, ttl };
        throw e;
      }
    });
    if (this.closed) throw closedError();
    const lease = new KeptLease(
      granted.id,
      granted.ttl,
      {
        keepAlive: (leaseId) => this.transport.leaseKeepAlive(leaseId),
        timeToLive: (leaseId) => this.transport.leaseTimeToLive(leaseId),
        revoke: (leaseId) => this.revokeId(leaseId),
        ended: (l) => this.leases.delete(l),
      },
      options.keepAlive ?? true,
    );
    this.leases.add(lease);
    return lease;
  }

  async revoke(lease: bigint | Lease): Promise<void> {
    if (typeof lease !== 'bigint') return lease.revoke();
    const kept = [...this.leases].find((l) => l.id === lease);
    if (kept) return kept.revoke();
    return this.revokeId(lease);
  }

  /** Revoking is retried like a grant: a retry that finds the lease gone finds it revoked. */
  private revokeId(id: bigint): Promise<void> {
    return this.retry('idempotent', async (n) => {
      try {
        await this.transport.leaseRevoke(id);
      } catch (e) {
        if (n > 0 && isEtcdError(e, 'ETCD_LEASE_NOT_FOUND')) return;
        throw e;
      }
    });
  }

  keepAliveOnce(lease: bigint): Promise<number> {
    return this.retry('idempotent', () => this.transport.leaseKeepAlive(lease));
  }

  async watch(target: KeySelector, options: WatchOptions = {}): Promise<Watch> {
    if (this.closed) throw closedError();
    const fromRevision = options.fromRevision ?? 0;
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `fromRevision must be a non-negative integer, not ${fromRevision}`);
    const w = new ClientWatch((x) => this.watches.delete(x));
    this.watches.add(w);
    try {
      const watcher = await this.transport.watch(
        {
          ...keySpan(target),
          startRevision: fromRevision,
          prevKv: options.prevKv ?? false,
          noPut: options.filter === 'noPut',
          noDelete: options.filter === 'noDelete',
        },
        w,
      );
      w.attach(watcher);
    } catch (e) {
      this.watches.delete(w);
      throw e;
    }
    return w;
  }

  /**
   * Follows a config-center namespace ("app", "app/env" or "app/env/cluster"): the release meant
   * for this instance (gray releases included), a snapshot each time it changes, recorded applied
   * under this process's lease, and cached locally for a start while the cluster is unreachable.
   */
  subscribeConfig(namespace: string, options?: ConfigSubscriptionOptions): Promise<ConfigSubscription> {
    return subscribeConfig(this, namespace, options);
  }

  /**
   * A config-center namespace as typed values: json/yaml items parsed, text items as strings, typed
   * as T (`lodestone config schema types` writes T from the namespace's schema). Not the same as
   * the package's `config(client, prefix)`, which reads plain keys under /lodestone/config/<prefix>/.
   */
  config<T = Record<string, unknown>>(namespace: string, options?: ConfigSubscriptionOptions): Promise<ConfigView<T>> {
    return configView<T>(this, namespace, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.leases]) l.close();
    for (const w of [...this.watches]) await w.close();
    this.configApi?.close();
    await this.transport.close();
  }
}

/** A random positive int64, as etcd's own lease ids are. */
function randomLeaseId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & ((1n << 63n) - 1n);
  return id === 0n ? 1n : id;
}

function unexpected(type: string): ClientError {
  return new ClientError('LODESTONE_RPC_FAILED', `a response of type ${type} where another was expected`);
}

