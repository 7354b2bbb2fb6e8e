// What the client needs from the way it reaches the data: a Member's backends in the same process
// (embedded-transport.ts) or a cluster over gRPC (remote-transport.ts). Requests and responses are
// the store's types. Each call is one attempt — a remote transport that fails on one member turns to
// another for the next — and the client decides what to retry (retry.ts). Watchers are the
// exception: they resume by themselves until canceled.
import type { AuthChangeRequest } from '../rpc/auth-backend.js';
import type { Permission } from '../store/auth/permissions.js';
import type * as st from '../store/mvcc/types.js';
import type { WatchSpec } from '../store/watch/types.js';
import type { ConfigApiCaller } from './config-center/config-api.js';

/** The writes a client sends. */
export type ClientWrite = Extract<st.WriteRequest, { type: 'put' | 'deleteRange' | 'txn' }>;

/** What a watcher asks for: the store's watch spec. */
export type TransportWatchSpec = WatchSpec;

export interface TransportWatchSink {
  /**
   * Events of whole revisions, in order, none repeated. Return false to be given no more until
   * resume(); the events of this call are taken either way.
   */
  onEvents(events: readonly st.MvccEvent[]): boolean;
  /** The revision to deliver next was compacted away: the watcher has ended. */
  onCompacted(compactRevision: number): void;
  /** The watcher cannot go on (its client or node closed): it has ended. */
  onError(error: Error): void;
  /**
   * The watcher lost its stream and is trying to open another (false), or has one again (true).
   * Only a remote watcher ever reports false.
   */
  onStreamChange?(connected: boolean): void;
}

export interface TransportWatcher {
  /** The revision before the first event this watcher delivers (its start revision less one). */
  readonly startedAfter: number;
  resume(): void;
  cancel(): void;
}

/**
 * etcd's Auth calls but Authenticate (a remote transport logs in by itself): users, roles and the
 * enabled flag. A change goes through raft; the rest are reads.
 */
export interface TransportAuth {
  change(request: AuthChangeRequest): Promise<void>;
  status(): Promise<{ readonly enabled: boolean; readonly revision: number }>;
  /** The user's roles. */
  userGet(name: string): Promise<readonly string[]>;
  userList(): Promise<readonly string[]>;
  /** The role's permissions. */
  roleGet(role: string): Promise<readonly Permission[]>;
  roleList(): Promise<readonly string[]>;
}

export interface ClientTransport {
  /** The member requests go to now ("host:port"); undefined in process. */
  readonly endpoint: string | undefined;
  range(request: st.RangeRequest, serializable: boolean): Promise<st.RangeResponse>;
  /** A transaction of reads only. */
  readTxn(request: st.TxnRequest, serializable: boolean): Promise<st.TxnResponse>;
  write(request: ClientWrite): Promise<st.WriteResponse>;
  /** Grants a lease with the id the client chose. */
  leaseGrant(id: bigint, ttl: number): Promise<{ readonly id: bigint; readonly ttl: number }>;
  leaseRevoke(id: bigint): Promise<void>;
  /** Renews a lease; resolves with its TTL, 0 when it no longer exists. */
  leaseKeepAlive(id: bigint): Promise<number>;
  /** The lease's remaining seconds; -1 when it does not exist. */
  leaseTimeToLive(id: bigint): Promise<number>;
  readonly auth: TransportAuth;
  /** The config center's API: the members' HTTP JSON API (remote), or its routes run in process (embedded). */
  configApi(timeouts: { readonly requestTimeoutMs: number; readonly retryTimeoutMs: number }): ConfigApiCaller;
  /** Resolves once the watcher is in place. */
  watch(spec: TransportWatchSpec, sink: TransportWatchSink): Promise<TransportWatcher>;
  close(): Promise<void>;
}
