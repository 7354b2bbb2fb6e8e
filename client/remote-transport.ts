// The client's transport to a cluster over etcd's gRPC API: each call goes to the member the router
// picks, with a deadline; a failure that blames the member sets it aside so the retry goes elsewhere.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { AuthSession, type Credentials } from './auth-session.js';
import type * as pb from '../rpc/etcd-api.js';
import type * as st from '../store/mvcc/types.js';
import type { Endpoint, EndpointRouter } from './endpoint-router.js';
import { closedError, ClientError } from './errors.js';
import { fromGrpcError } from './grpc-errors.js';
import { deleteFromPb, deleteToPb, putFromPb, putToPb, rangeFromPb, rangeToPb, txnFromPb, txnToPb } from './pb-convert.js';
import { remoteAuth } from './remote-auth.js';
import type { ConfigApiCaller } from './config-center/config-api.js';
import { HttpJson } from './config-center/http-json.js';
import { remoteHttpAccess, type HttpAccess } from './http-access.js';
import { RemoteKeepAlive } from './remote-keepalive.js';
import { RemoteWatcher } from './remote-watcher.js';
import { blamesMember } from './retry.js';
import type { ClientTransport, ClientWrite, TransportAuth, TransportWatcher, TransportWatchSink, TransportWatchSpec } from './transport.js';

export interface RemoteTransportOptions {
  /** Deadline of one attempt of a call. */
  readonly requestTimeoutMs: number;
  /** How long a new watch keeps trying to be created before watch() fails. */
  readonly retryTimeoutMs: number;
  /** Log in as this user, and send its token with every call. */
  readonly auth?: Credentials;
}

type Callback<T> = (err: ServiceError | null, res?: T) => void;
type CallOptions = { deadline: number };

export class RemoteTransport implements ClientTransport {
  private closed = false;
  private readonly keepAlives: RemoteKeepAlive;
  private readonly watchers = new Set<RemoteWatcher>();
  private readonly session: AuthSession;
  readonly auth: TransportAuth;
  /** The members' HTTP side, on the same endpoints, TLS and token. */
  readonly http: HttpAccess;

  constructor(
    readonly router: EndpointRouter,
    private readonly options: RemoteTransportOptions,
  ) {
    this.session = new AuthSession(options.auth, (c) => this.authenticate(c));
    this.http = remoteHttpAccess(router, this.session);
    this.keepAlives = new RemoteKeepAlive(router, options.requestTimeoutMs, () => this.session.metadata());
    this.auth = remoteAuth((send) => this.call((e, o, cb, md) => send(e.client('Auth'), md, o, cb)));
  }

  /** Logs in with the transport's credentials now (connect() does, so bad ones fail at once). */
  async logIn(): Promise<void> {
    await this.session.renew(undefined);
  }

  private async authenticate(c: Credentials): Promise<string> {
    const res = await this.attempt<pb.AuthenticateResponse>((e, o, cb) =>
      e.client('Auth').Authenticate({ name: c.username, password: c.password }, new Metadata(), o, cb),
    );
    return res.token;
  }

  get endpoint(): string {
    return this.router.peek().address;
  }

  /**
   * One attempt on the member the router picks, with the session's token in `md`; if the member
   * says the token is invalid, stale or missing, one login and one more attempt.
   */
  private async call<T>(invoke: (e: Endpoint, options: CallOptions, cb: Callback<T>, md: Metadata) => void, endpoint?: Endpoint): Promise<T> {
    const sentWith = this.session.current;
    try {
      return await this.attempt((e, o, cb) => invoke(e, o, cb, this.session.metadata()), endpoint);
    } catch (e) {
      if (!this.session.wantsLogin(e)) throw e;
      await this.session.renew(sentWith);
      return this.attempt((ep, o, cb) => invoke(ep, o, cb, this.session.metadata()), endpoint);
    }
  }

  private async attempt<T>(invoke: (e: Endpoint, options: CallOptions, cb: Callback<T>) => void, endpoint = this.router.pick()): Promise<T> {
    if (this.closed) throw closedError();
    try {
      const res = await new Promise<T>((resolve, reject) => {
        invoke(endpoint, { deadline: Date.now() + this.options.requestTimeoutMs }, (err, r) => {
          if (err) reject(err);
          else if (r === undefined || r === null) reject(new ClientError('LODESTONE_RPC_FAILED', 'an empty response'));
          else resolve(r);
        });
      });
      this.router.succeeded(endpoint);
      return res;
    } catch (raw) {
      if (this.closed) throw closedError();
      const e = fromGrpcError(raw);
      if (blamesMember(e)) this.router.failed(endpoint);
      throw e;
    }
  }

  configApi(timeouts: { readonly requestTimeoutMs: number; readonly retryTimeoutMs: number }): ConfigApiCaller {
    return new HttpJson(this.http, timeouts);
  }

  async range(request: st.RangeRequest, serializable: boolean): Promise<st.RangeResponse> {
    const res = await this.call<pb.RangeResponse>((e, o, cb, md) => e.client('KV').Range(rangeToPb(request, serializable), md, o, cb));
    return rangeFromPb(res);
  }

  async readTxn(request: st.TxnRequest): Promise<st.TxnResponse> {
    // etcd serves a txn of reads linearizably; it has no serializable txn.
    const res = await this.call<pb.TxnResponse>((e, o, cb, md) => e.client('KV').Txn(txnToPb(request), md, o, cb));
    return txnFromPb(res);
  }

  async write(w: ClientWrite): Promise<st.WriteResponse> {
    switch (w.type) {
      case 'put': {
        const res = await this.call<pb.PutResponse>((e, o, cb, md) => e.client('KV').Put(putToPb(w.request), md, o, cb));
        return { type: 'put', response: putFromPb(res) };
      }
      case 'deleteRange': {
        const res = await this.call<pb.DeleteRangeResponse>((e, o, cb, md) => e.client('KV').DeleteRange(deleteToPb(w.request), md, o, cb));
        return { type: 'deleteRange', response: deleteFromPb(res) };
      }
      case 'txn': {
        const res = await this.call<pb.TxnResponse>((e, o, cb, md) => e.client('KV').Txn(txnToPb(w.request), md, o, cb));
        return { type: 'txn', response: txnFromPb(res) };
      }
    }
  }

  async leaseGrant(id: bigint, ttl: number): Promise<{ id: bigint; ttl: number }> {
    const res = await this.call<pb.LeaseGrantResponse>((e, o, cb, md) => e.client('Lease').LeaseGrant({ ID: id.toString(), TTL: String(ttl) }, md, o, cb));
    return { id: BigInt(res.ID), ttl: Number(res.TTL) };
  }

  async leaseRevoke(id: bigint): Promise<void> {
    await this.call<pb.LeaseRevokeResponse>((e, o, cb, md) => e.client('Lease').LeaseRevoke({ ID: id.toString() }, md, o, cb));
  }

  leaseKeepAlive(id: bigint): Promise<number> {
    if (this.closed) return Promise.reject(closedError());
    return this.keepAlives.keepAlive(id);
  }

  async leaseTimeToLive(id: bigint): Promise<number> {
    const res = await this.call<pb.LeaseTimeToLiveResponse>((e, o, cb, md) => e.client('Lease').LeaseTimeToLive({ ID: id.toString(), keys: false }, md, o, cb));
    return Number(res.TTL);
  }

  async watch(spec: TransportWatchSpec, sink: TransportWatchSink): Promise<TransportWatcher> {
    if (this.closed) throw closedError();
    const w = new RemoteWatcher(this.router, spec, () => this.session.metadata(), {
      onEvents: (events) => sink.onEvents(events),
      onCompacted: (rev) => {
        this.watchers.delete(w);
        sink.onCompacted(rev);
      },
      onError: (e) => {
        this.watchers.delete(w);
        sink.onError(e);
      },
      onStreamChange: (connected) => sink.onStreamChange?.(connected),
    });
    this.watchers.add(w);
    try {
      await w.start(this.options.retryTimeoutMs);
    } catch (e) {
      this.watchers.delete(w);
      throw this.closed ? closedError() : e;
    }
    return {
      get startedAfter() {
        return w.startedAfter;
      },
      resume: () => w.resume(),
      cancel: () => {
        this.watchers.delete(w);
        w.cancel();
      },
    };
  }

  /**
   * Asks every member for its status at once; the first in the list that knows a leader becomes the
   * one the client talks to (so the order of the endpoints is the order of preference). Fails if
   * none does within `timeoutMs`.
   */
  async findHealthyMember(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (!this.closed) {
      const endpoints = this.router.endpoints;
      const healthy: (boolean | undefined)[] = endpoints.map(() => undefined);
      const found = await new Promise<Endpoint | undefined>((resolve) => {
        // Settled as soon as every member before the first healthy one has answered.
        const settle = (): void => {
          for (let i = 0; i < endpoints.length; i++) {
            if (healthy[i] === undefined) return;
            if (healthy[i]) return resolve(endpoints[i]);
          }
          resolve(undefined);
        };
        endpoints.forEach((e, i) => {
          this.call<pb.StatusResponse>((ep, o, cb) => ep.client('Maintenance').Status({}, new Metadata(), { deadline: Math.min(o.deadline, Date.now() + 2000) }, cb), e).then(
            (s) => {
              healthy[i] = s.leader !== '0';
              if (!healthy[i]) last = new ClientError('LODESTONE_UNAVAILABLE', `${e.address} knows no leader`, { sent: true });
              settle();
            },
            (err: unknown) => {
              healthy[i] = false;
              last = err;
              settle();
            },
          );
        });
      });
      if (found) {
        this.router.prefer(found);
        return;
      }
      if (Date.now() > deadline) {
        throw new ClientError('LODESTONE_UNAVAILABLE', `no member of ${this.router.endpoints.map((e) => e.address).join(', ')} is reachable with a leader`, { cause: last, sent: false });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw closedError();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.fail(closedError());
    this.watchers.clear();
    this.keepAlives.close();
    this.router.close();
  }
}
