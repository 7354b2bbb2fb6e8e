// One Watch stream to one member over real gRPC, as the watch workload uses it: create, cancel and
// progress requests go out encoded with etcd's definitions; responses are decoded by the lean
// decoder of test/compat (only what the checks need). The connection is the stream's own, with
// keepalive pings, so that a member that stops answering (SIGSTOP) breaks the stream as it would
// for an etcd client with keepalive set, and the watcher moves on.
import { Client, Metadata, status, type ChannelCredentials, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { etcdServiceDefinition, type Outgoing, type WatchRequest } from '../../rpc/etcd-api.js';
import { decodeWatchResponse, PUT, type WireEvent, type WireWatchResponse } from '../compat/watch-wire.js';
import type { HistoryEvent, PrevKv } from './watch-checks.js';

export interface WatchConnectionOptions {
  /** Ping the member after this long without activity (etcd clients' DialKeepAliveTime). */
  readonly keepaliveMs: number;
  /** Give the connection up when a ping goes unanswered this long. */
  readonly keepaliveTimeoutMs: number;
}

export interface WatchCreate {
  readonly key: string;
  readonly rangeEnd: string | undefined;
  readonly startRevision: number;
  readonly prevKv: boolean;
}

type Stream = ClientDuplexStream<Outgoing<WatchRequest>, WireWatchResponse>;

export class WatchConnection {
  private readonly client: Client;
  private readonly call: Stream;
  private ended = false;

  constructor(
    readonly endpoint: string,
    /** What the member's client URL is dialed with (plaintext, or TLS with a client certificate). */
    creds: ChannelCredentials,
    options: WatchConnectionOptions,
    onResponse: (r: WireWatchResponse) => void,
    /** Once, when the stream ends other than by close(): why. */
    onEnd: (reason: string) => void,
  ) {
    this.client = new Client(endpoint, creds, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': options.keepaliveMs,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
    const method = etcdServiceDefinition('Watch').Watch;
    this.call = this.client.makeBidiStreamRequest(
      '/etcdserverpb.Watch/Watch',
      (req: Outgoing<WatchRequest>) => method.requestSerialize(req as WatchRequest),
      decodeWatchResponse,
      new Metadata(),
    );
    const end = (reason: string): void => {
      if (this.ended) return;
      this.ended = true;
      this.client.close();
      onEnd(reason);
    };
    this.call.on('data', (r: WireWatchResponse) => {
      if (!this.ended) onResponse(r);
    });
    this.call.on('error', (e: ServiceError) => end(`${status[e.code] ?? e.code}: ${e.details}`));
    this.call.on('end', () => end('the member ended the stream'));
  }

  create(c: WatchCreate): void {
    this.write({
      create_request: {
        key: Buffer.from(c.key),
        ...(c.rangeEnd !== undefined ? { range_end: Buffer.from(c.rangeEnd) } : {}),
        start_revision: String(c.startRevision),
        prev_kv: c.prevKv,
      },
    });
  }

  cancel(watchId: number): void {
    this.write({ cancel_request: { watch_id: String(watchId) } });
  }

  requestProgress(): void {
    this.write({ progress_request: {} });
  }

  /** Ends the stream from the client side; onEnd is not called. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.call.cancel();
    this.client.close();
  }

  private write(req: Outgoing<WatchRequest>): void {
    if (!this.ended) this.call.write(req);
  }
}

/** A progress response: no watch id (-1), no events, neither created nor canceled. */
export function isProgressResponse(r: WireWatchResponse): boolean {
  return r.watchId === -1 && !r.created && !r.canceled && r.events.length === 0;
}

export function toHistoryEvent(e: WireEvent): HistoryEvent {
  const put = e.type === PUT;
  return {
    type: put ? 'put' : 'delete',
    key: e.kv.key.toString(),
    value: put ? e.kv.value.toString() : '',
    mod: e.kv.modRevision,
    create: e.kv.createRevision,
    version: e.kv.version,
  };
}

export function toPrevKv(e: WireEvent): PrevKv | null {
  const p = e.prevKv;
  return p ? { value: p.value.toString(), mod: p.modRevision, create: p.createRevision, version: p.version } : null;
}
