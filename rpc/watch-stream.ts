// One client's Watch stream: the watchers it created, multiplexed on one bidi call. A watcher's
// created answer goes out before any of its events. When the call's write buffer is full — write()
// answered false, or the responses not yet taken by HTTP/2 hold too many bytes (grpc-js counts
// messages, not bytes, and a catch-up response may be large) — the watchers that deliver are
// paused, and resumed once it has room (the member catches them up from history). Responses
// without events (created, canceled, progress) cannot wait in the member like events: past a few
// of them waiting to be sent, the stream stops reading requests, as etcd's recvLoop blocks on its
// full control channel, so HTTP/2 flow control holds the client's further requests back. The
// call ending cancels every watcher of the stream.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type * as pb from './etcd-api.js';
import type { EncodedResponse } from './etcd-api.js';
import { serviceError } from './error-mapping.js';
import type { MvccEvent } from '../store/mvcc/types.js';
import type { WatchBackend, Watcher, WatchSpec } from './watch-backend.js';
import { encodedEventsResponse, encodedWatchId } from './watch-encoding.js';
import { fragmentResponse } from './watch-fragment.js';
import { WatchIds } from './watch-ids.js';
import { DUPLICATE_ID_REASON, parseCreateRequest, tooManyWatchersReason } from './watch-request.js';
import {
  canceledResponse,
  compactedResponse,
  createdResponse,
  eventsResponse,
  NO_WATCH_ID,
  progressResponse,
  refusedResponse,
  selectEvents,
  type WatchResponseOut,
} from './watch-response.js';

export type WatchCall = ServerDuplexStream<pb.WatchRequest, WatchResponseOut>;

/** What a response without events is counted as in the buffer's bytes. */
const CONTROL_BYTES = 64;

/**
 * Responses without events that may wait to be sent before the stream stops reading requests:
 * etcd's ctrlStreamBufLen, the channel its request loop hands them to the send loop through.
 */
export const MAX_QUEUED_CONTROL_RESPONSES = 16;

/** Roughly the encoded size of events: their keys and values, and a little for the rest. */
function eventBytes(events: readonly MvccEvent[]): number {
  let bytes = CONTROL_BYTES;
  for (const e of events) {
    bytes += 32 + e.kv.key.length + e.kv.value.length;
    if (e.prevKv) bytes += 32 + e.prevKv.key.length + e.prevKv.value.length;
  }
  return bytes;
}

export interface WatchStreamOptions {
  /** Responses of fragment=true watchers are split at this encoded size. */
  readonly maxResponseBytes: number;
  /** Past this many bytes of responses waiting to be sent, the stream's watchers pause. */
  readonly maxBufferedBytes: number;
  /** How often a progress_notify watcher that received no event is told its revision. */
  readonly progressNotifyIntervalMs: number;
  /** How often a progress request that waits for the watchers to catch up looks again. */
  readonly progressRecheckMs: number;
  /**
   * Watchers one stream may hold; creates past it are refused (created and canceled, with
   * tooManyWatchersReason). A Lodestone limit: etcd 3.4 has none.
   */
  readonly maxWatchersPerStream: number;
  /** etcd's cancel reason for a create the client's credentials do not allow, or undefined. */
  readonly refuseCreate?: (spec: WatchSpec) => string | undefined;
}

interface StreamWatcher {
  readonly id: bigint;
  readonly spec: WatchSpec;
  readonly progressNotify: boolean;
  readonly fragment: boolean;
  /** Its watch_id field, encoded once. */
  readonly idBytes: Buffer;
  /** The member's watcher; undefined until backend.watch() returns. */
  handle: Watcher | undefined;
  /** The sink answered false to it: it waits until the buffer has room. */
  paused: boolean;
  /** An event response went out since the last progress tick (etcd then skips the notification). */
  sentSinceTick: boolean;
  ended: boolean;
}

export class WatchStream {
  private readonly watchers = new Map<bigint, StreamWatcher>();
  private readonly ids = new WatchIds();
  /** write() answered false: nothing more until 'drain'. */
  private awaitingDrain = false;
  /** Bytes of the responses written and not yet handed to HTTP/2 (events counted roughly). */
  private bufferedBytes = 0;
  private pausedWatchers = 0;
  /** Responses without events written and not yet handed to HTTP/2. */
  private queuedControl = 0;
  private peakQueuedControl = 0;
  /** Requests are left unread (the call is paused) until the queued control responses drain. */
  private readingPaused = false;
  private closed = false;
  private progressRequested = false;
  private progressRecheck: NodeJS.Timeout | undefined;
  private progressTicker: NodeJS.Timeout | undefined;

  constructor(
    private readonly call: WatchCall,
    private readonly backend: WatchBackend,
    private readonly options: WatchStreamOptions,
  ) {
    call.on('data', (req: pb.WatchRequest) => this.onRequest(req));
    call.on('drain', () => this.onDrain());
    // A client that only half-closes keeps its watchers, as on etcd; one that goes away loses them.
    call.on('cancelled', () => this.close());
    call.on('error', () => this.close());
    call.on('close', () => this.close());
  }

  /** Responses without events waiting for the write buffer, now (for tests and metrics). */
  get queuedControlResponses(): number {
    return this.queuedControl;
  }

  /** The most there ever were at once. */
  get peakQueuedControlResponses(): number {
    return this.peakQueuedControl;
  }

  /** Whether requests are left unread for now. */
  get readingRequestsPaused(): boolean {
    return this.readingPaused;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  private onRequest(req: pb.WatchRequest): void {
    if (this.closed) return;
    switch (req.request_union) {
      case 'create_request':
        this.create(req.create_request);
        return;
      case 'cancel_request':
        this.cancel(BigInt(req.cancel_request.watch_id));
        return;
      case 'progress_request':
        this.progressRequested = true;
        this.answerProgressRequest();
        return;
      case undefined:
        // etcd ignores a request with nothing set.
        return;
      default: {
        const unknown: never = req;
        return unknown;
      }
    }
  }

  private create(req: pb.WatchCreateRequest): void {
    const h = this.backend.headerFields();
    const revision = this.backend.currentRevision();
    const parsed = parseCreateRequest(req);
    if ('refused' in parsed) return this.sendControl(refusedResponse(h, revision, parsed.refused));
    const denied = this.options.refuseCreate?.(parsed.spec);
    if (denied !== undefined) return this.sendControl(refusedResponse(h, revision, denied));
    const limit = this.options.maxWatchersPerStream;
    if (this.watchers.size >= limit) return this.sendControl(refusedResponse(h, revision, tooManyWatchersReason(limit)));
    const id = this.ids.take(parsed.requestedId);
    if (id === undefined) return this.sendControl(refusedResponse(h, revision, DUPLICATE_ID_REASON));

    const w: StreamWatcher = {
      id,
      spec: parsed.spec,
      progressNotify: parsed.progressNotify,
      fragment: parsed.fragment,
      idBytes: encodedWatchId(id),
      handle: undefined,
      paused: false,
      sentSinceTick: false,
      ended: false,
    };
    this.watchers.set(id, w);
    // Sent before the member may deliver anything: the client learns the id before the events.
    this.sendControl(createdResponse(h, revision, id));
    if (w.progressNotify) this.startProgressTicker();

    let handle: Watcher;
    try {
      handle = this.backend.watch(parsed.spec, {
        onEvents: (events, throughRevision) => this.deliver(w, events, throughRevision),
        onCompacted: (compactRevision) => this.compacted(w, compactRevision),
      });
    } catch (e) {
      this.forget(w);
      this.sendControl(canceledResponse(h, this.backend.currentRevision(), id, serviceError(e).details));
      return;
    }
    // Ended while the member set it up (its start revision was compacted): nothing more to hold.
    if (w.ended) handle.cancel();
    else w.handle = handle;
  }

  private deliver(w: StreamWatcher, events: readonly MvccEvent[], throughRevision = 0): boolean {
    if (w.ended) return false;
    const last = events[events.length - 1];
    if (last !== undefined && this.sendEvents(w, events, Math.max(last.kv.modRevision, throughRevision))) w.sentSinceTick = true;
    if (!this.full) return true;
    w.paused = true;
    this.pausedWatchers++;
    return false;
  }

  /** Sends the watcher's share of `events` (after its filters); false when that is nothing. */
  private sendEvents(w: StreamWatcher, events: readonly MvccEvent[], revision: number): boolean {
    const bytes = eventBytes(events);
    if (!w.fragment) {
      // Every watcher of these events shares their encoding.
      const response = encodedEventsResponse(this.backend.headerFields(), revision, w.idBytes, events, w.spec);
      if (response !== undefined) this.send(response, bytes);
      return response !== undefined;
    }
    const selected = selectEvents(events, w.spec);
    if (selected.length === 0) return false;
    const response = eventsResponse(this.backend.headerFields(), revision, w.id, selected);
    for (const part of fragmentResponse(response, this.options.maxResponseBytes)) this.send(part, bytes);
    return true;
  }

  private compacted(w: StreamWatcher, compactRevision: number): void {
    if (w.ended) return;
    this.forget(w);
    this.sendControl(compactedResponse(this.backend.headerFields(), w.id, compactRevision));
  }

  private cancel(id: bigint): void {
    const w = this.watchers.get(id);
    // etcd answers nothing to the cancel of an id it does not know.
    if (w === undefined) return;
    this.forget(w);
    w.handle?.cancel();
    this.sendControl(canceledResponse(this.backend.headerFields(), this.backend.currentRevision(), id));
  }

  private forget(w: StreamWatcher): void {
    if (w.paused) this.pausedWatchers--;
    w.paused = false;
    w.ended = true;
    this.watchers.delete(w.id);
    this.ids.release(w.id);
  }

  /**
   * A progress request is answered once every watcher of the stream has been sent everything up
   * to the current revision (then that revision is the one to report), as etcd does since 3.5;
   * until then it is looked at again, as etcd's watch store does on its sync loop.
   */
  private answerProgressRequest(): void {
    if (!this.progressRequested || this.closed) return;
    const revision = this.backend.currentRevision();
    if (this.full || !this.caughtUp(revision)) {
      this.progressRecheck ??= setTimeout(() => {
        this.progressRecheck = undefined;
        this.answerProgressRequest();
      }, this.options.progressRecheckMs);
      return;
    }
    this.progressRequested = false;
    this.sendControl(progressResponse(this.backend.headerFields(), revision, NO_WATCH_ID));
  }

  private caughtUp(revision: number): boolean {
    for (const w of this.watchers.values()) {
      if (w.handle !== undefined && w.handle.deliveredRevision < revision) return false;
    }
    return true;
  }

  private startProgressTicker(): void {
    if (this.progressTicker !== undefined) return;
    this.progressTicker = setInterval(() => this.progressTick(), this.options.progressNotifyIntervalMs);
    this.progressTicker.unref();
  }

  /** etcd's progress_notify: each caught-up watcher that received no event since the last tick hears its revision. */
  private progressTick(): void {
    if (this.closed || this.full) return;
    const revision = this.backend.currentRevision();
    const h = this.backend.headerFields();
    for (const w of this.watchers.values()) {
      if (!w.progressNotify) continue;
      // A notification finds no room behind a client that does not read: etcd's watch store skips
      // it then too (its channel is full), and the next tick tells again.
      const room = this.queuedControl < MAX_QUEUED_CONTROL_RESPONSES;
      if (room && !w.sentSinceTick && w.handle !== undefined && w.handle.deliveredRevision >= revision) {
        this.sendControl(progressResponse(h, revision, w.id));
      }
      w.sentSinceTick = false;
    }
  }

  private get full(): boolean {
    return this.awaitingDrain || this.bufferedBytes >= this.options.maxBufferedBytes;
  }

  /**
   * A response without events. It goes out in order with the events, through the same buffer;
   * while too many of them wait there, no more requests are read (nothing is dropped).
   */
  private sendControl(response: WatchResponseOut): void {
    if (this.closed) return;
    this.queuedControl++;
    this.peakQueuedControl = Math.max(this.peakQueuedControl, this.queuedControl);
    this.send(response, CONTROL_BYTES, () => this.controlSent());
    if (this.queuedControl >= MAX_QUEUED_CONTROL_RESPONSES && !this.readingPaused) {
      this.readingPaused = true;
      this.call.pause();
    }
  }

  private controlSent(): void {
    this.queuedControl--;
    if (this.readingPaused && !this.closed && this.queuedControl < MAX_QUEUED_CONTROL_RESPONSES) {
      this.readingPaused = false;
      this.call.resume();
    }
  }

  /** `bytes`: roughly what the response weighs, for the buffer's byte count. */
  private send(response: WatchResponseOut | EncodedResponse, bytes: number, onSent?: () => void): void {
    if (this.closed) return;
    this.bufferedBytes += bytes;
    // The service's serializer passes an EncodedResponse through as it is (addEtcdService).
    const more = this.call.write(response as WatchResponseOut, () => this.sent(bytes, onSent));
    if (!more) this.awaitingDrain = true;
  }

  private sent(bytes: number, onSent: (() => void) | undefined): void {
    this.bufferedBytes -= bytes;
    onSent?.();
    if (this.pausedWatchers > 0 && !this.full) this.resumePaused();
  }

  private onDrain(): void {
    this.awaitingDrain = false;
    if (!this.full) this.resumePaused();
    this.answerProgressRequest();
  }

  private resumePaused(): void {
    if (this.closed) return;
    for (const w of [...this.watchers.values()]) {
      if (!w.paused || w.handle === undefined) continue;
      w.paused = false;
      this.pausedWatchers--;
      // May deliver at once and fill the buffer again: the others then wait for more room.
      w.handle.resume();
      if (this.full) break;
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.progressRecheck);
    clearInterval(this.progressTicker);
    for (const w of this.watchers.values()) {
      w.ended = true;
      w.handle?.cancel();
    }
    this.watchers.clear();
  }
}
