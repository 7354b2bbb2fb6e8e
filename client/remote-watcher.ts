// One watch over etcd's Watch stream, resumed when its stream breaks: on the member the router picks
// next, from the revision after the last one delivered — so an event is never missed (the new
// stream starts exactly there) and never repeated (anything older is dropped). A member that
// cancels the watch because the revision was compacted ends it; any other failure is retried with
// back-off, for as long as the watch is open.
import type { ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import type * as pb from '../rpc/etcd-api.js';
import type * as st from '../store/mvcc/types.js';
import type { Endpoint, EndpointRouter } from './endpoint-router.js';
import { ClientError } from './errors.js';
import { fromGrpcError } from './grpc-errors.js';
import { eventFromPb, revisionOf } from './pb-convert.js';
import { backoffDelay, blamesMember, isRetryable } from './retry.js';
import type { TransportWatcher, TransportWatchSink, TransportWatchSpec } from './transport.js';

type WatchCall = ClientDuplexStream<pb.Outgoing<pb.WatchRequest>, pb.WatchResponse>;

const EMPTY = new Uint8Array(0);

export class RemoteWatcher implements TransportWatcher {
  /** The revision to deliver next; 0 until the first stream says where the watch starts. */
  private next: number;
  private call: WatchCall | undefined;
  private paused = false;
  private ended = false;
  private failures = 0;
  /** Between a stream's failure and the next stream's "created". */
  private disconnected = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private created: { resolve: () => void; reject: (e: Error) => void; deadline: number } | undefined;

  constructor(
    private readonly router: EndpointRouter,
    private readonly spec: TransportWatchSpec,
    /** Each stream's metadata: the client's token as it is when the stream opens. */
    private readonly metadata: () => Metadata,
    private readonly sink: TransportWatchSink,
  ) {
    this.next = spec.startRevision;
  }

  get startedAfter(): number {
    return this.firstRevision - 1;
  }

  private firstRevision = 0;

  /** Opens the first stream; resolves once a member has created the watch. */
  start(retryTimeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.created = { resolve, reject, deadline: Date.now() + retryTimeoutMs };
      this.open();
    });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.call?.resume();
  }

  cancel(): void {
    this.end();
  }

  /** Ends the watcher for a reason the sink must hear of. */
  fail(error: Error): void {
    if (this.ended) return;
    this.end();
    this.sink.onError(error);
  }

  private open(): void {
    this.retryTimer = undefined;
    if (this.ended) return;
    const endpoint = this.router.pick();
    const call = endpoint.client('Watch').Watch(this.metadata());
    this.call = call;
    call.on('data', (res: pb.WatchResponse) => this.onResponse(call, endpoint, res));
    call.on('error', (e: unknown) => this.broken(call, endpoint, fromGrpcError(e)));
    call.on('end', () => this.broken(call, endpoint, new ClientError('LODESTONE_UNAVAILABLE', 'the watch stream ended', { sent: true })));
    const filters: pb.WatchFilterType[] = [];
    if (this.spec.noPut) filters.push('NOPUT');
    if (this.spec.noDelete) filters.push('NODELETE');
    call.write({
      create_request: {
        key: this.spec.key,
        range_end: this.spec.rangeEnd ?? EMPTY,
        start_revision: String(this.next),
        prev_kv: this.spec.prevKv,
        filters,
      },
    });
    if (this.paused) call.pause();
  }

  private onResponse(call: WatchCall, endpoint: Endpoint, res: pb.WatchResponse): void {
    if (call !== this.call || this.ended) return;
    if (res.created) {
      this.failures = 0;
      if (this.disconnected) {
        this.disconnected = false;
        this.sink.onStreamChange?.(true);
      }
      this.router.succeeded(endpoint);
      // A watch from "now" starts after the revision the member had when it created it.
      if (this.next === 0) this.next = revisionOf(res.header) + 1;
      if (this.firstRevision === 0) this.firstRevision = this.next;
      const created = this.created;
      this.created = undefined;
      created?.resolve();
    }
    if (res.canceled) {
      const compacted = Number(res.compact_revision);
      if (compacted > 0) {
        this.end();
        this.sink.onCompacted(compacted);
        return;
      }
      // Canceled for another reason (the member lost its leader, say): go on elsewhere.
      this.broken(call, endpoint, new ClientError('LODESTONE_UNAVAILABLE', res.cancel_reason || 'the watch was canceled by the member', { sent: true }));
      return;
    }
    const events: st.MvccEvent[] = [];
    for (const e of res.events) {
      const ev = eventFromPb(e);
      if (ev && ev.kv.modRevision >= this.next) events.push(ev);
    }
    if (events.length === 0) return;
    this.next = events[events.length - 1]!.kv.modRevision + 1;
    if (!this.sink.onEvents(events) && !this.ended) {
      this.paused = true;
      call.pause();
    }
  }

  private broken(call: WatchCall, endpoint: Endpoint, error: Error): void {
    if (call !== this.call || this.ended) return;
    this.call = undefined;
    call.removeAllListeners('data');
    call.cancel();
    if (blamesMember(error)) this.router.failed(endpoint);
    const created = this.created;
    if (!isRetryable(error, 'read') || (created && Date.now() > created.deadline)) {
      this.end();
      if (created) {
        this.created = undefined;
        created.reject(error);
      } else {
        this.sink.onError(error);
      }
      return;
    }
    if (!this.disconnected) {
      this.disconnected = true;
      this.sink.onStreamChange?.(false);
    }
    this.retryTimer = setTimeout(() => this.open(), backoffDelay(this.failures++));
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const call = this.call;
    this.call = undefined;
    if (call) {
      call.removeAllListeners('data');
      call.cancel();
    }
    const created = this.created;
    this.created = undefined;
    created?.reject(new ClientError('LODESTONE_CLIENT_CLOSED', 'the watch was closed'));
  }
}
