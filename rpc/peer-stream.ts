// The long-lived stream from this member to one peer. Messages wait in a bounded queue and leave in
// batches: one batch is written at a time, and everything queued while it was in flight goes in the
// next, so the batch size follows the load. The stream is opened as soon as the peer is known,
// reopened with exponential back-off whenever it breaks, and rotated through the peer's addresses
// while none accepts it. Messages are written only on a stream the peer has accepted (its response
// headers arrived); until then they wait in the queue.

import type { ChannelCredentials, ChannelOptions, ClientWritableStream, ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { NodeId } from '../raft/types.js';
import { Backoff, type BackoffOptions } from './peer-backoff.js';
import { fromPeerStatus, PeerClosedError, type PeerError } from './peer-errors.js';
import { PeerSendQueue, type SendQueueLimits } from './peer-send-queue.js';
import { settlesWithin } from './peer-settles-within.js';
import {
  identityMetadata,
  peerClientConstructor,
  type ForwardRequestOut,
  type ForwardResponseIn,
  type MessageBatch,
  type PeerClient,
  type StreamClosed,
} from './peer-service.js';
import { dialAddress, type Dialer } from './tls-credentials.js';

export interface PeerStreamOptions {
  readonly selfId: NodeId;
  readonly clusterId: string;
  readonly peerId: NodeId;
  /** "host:port" (plaintext) or peer URLs ("https://host:port" dials with TLS). */
  readonly addresses: readonly string[];
  readonly channelOptions: ChannelOptions;
  /** The credentials to dial an address with. */
  readonly dial: Dialer;
  readonly queue: SendQueueLimits;
  /** Target size of one batch on the wire. */
  readonly maxBatchBytes: number;
  readonly backoff: BackoffOptions;
  /** How long close() lets an open stream end on its own before cutting it. */
  readonly closeGraceMs: number;
  readonly logger: Logger;
  /** Messages to this peer were lost or dropped. Called at most once per turn of the event loop. */
  readonly onUnreachable: () => void;
  /** The peer refused the stream because this member was removed from the cluster. */
  readonly onRemovedFromCluster: () => void;
}

interface OpenCall {
  readonly call: ClientWritableStream<MessageBatch>;
  readonly address: string;
  /** Settles when the call has ended, whichever way. */
  readonly ended: Promise<void>;
  accepted: boolean;
  /** Batches were written on this call: some may be lost if it breaks. */
  wrote: boolean;
}

export class PeerStream {
  private readonly queue: PeerSendQueue;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private addresses: readonly string[];
  private addressIndex = 0;
  private readonly clients = new Map<string, { readonly client: PeerClient; readonly credentials: ChannelCredentials }>();
  private current: OpenCall | undefined;
  private writing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private unreachablePending = false;
  /** Failures since the peer last accepted a stream: the first is worth a warning, the rest are not. */
  private failures = 0;
  private closed = false;

  constructor(private readonly options: PeerStreamOptions) {
    this.queue = new PeerSendQueue(options.queue);
    this.backoff = new Backoff(options.backoff);
    this.addresses = [...options.addresses];
    this.log = options.logger.child({ peer: options.peerId });
    this.connect();
  }

  /** The address of the open stream, or the one the next attempt will use. */
  get address(): string {
    return this.current?.address ?? this.addresses[this.addressIndex % this.addresses.length]!;
  }

  /** The peer has accepted the current stream. */
  get connected(): boolean {
    return this.current?.accepted === true;
  }

  /**
   * Queues one encoded message; it leaves with the next flush. While the peer is known to be down
   * (a stream failed and none has been accepted since) Raft hears of it at once, so it stops
   * pipelining to the peer until it answers again.
   */
  enqueue(message: Uint8Array): void {
    if (this.closed) return;
    const dropped = this.queue.push(message);
    if (dropped > 0 || (this.failures > 0 && !this.connected)) this.reportUnreachable();
  }

  /** Writes a batch unless one is in flight (then the queue waits for it) or the peer has not accepted yet. */
  flush(): void {
    const open = this.current;
    if (open === undefined || !open.accepted || this.writing || this.queue.length === 0) return;
    const batch: MessageBatch = { messages: this.queue.takeBatch(this.options.maxBatchBytes) };
    this.writing = true;
    open.wrote = true;
    open.call.write(batch, () => {
      if (this.current !== open) return;
      this.writing = false;
      this.flush();
    });
  }

  /** New addresses for the peer; an open stream to an address no longer listed is replaced. */
  setAddresses(addresses: readonly string[]): void {
    if (sameList(addresses, this.addresses)) return;
    this.addresses = [...addresses];
    this.addressIndex = 0;
    for (const [address, { client }] of this.clients) {
      if (!addresses.includes(address)) {
        client.close();
        this.clients.delete(address);
      }
    }
    if (this.current !== undefined && !addresses.includes(this.current.address)) this.current.call.cancel();
    else if (this.current === undefined && !this.closed) {
      // Waiting out a back-off for addresses that are gone: try the new ones now.
      clearTimeout(this.reconnectTimer);
      this.backoff.reset();
      this.connect();
    }
  }

  /** Ends the stream (half-close, then cancel after the grace period) and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.queue.clear();
    const open = this.current;
    if (open !== undefined) {
      open.call.end();
      if (!(await settlesWithin(open.ended, this.options.closeGraceMs))) {
        open.call.cancel();
        await open.ended;
      }
    }
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
  }

  /**
   * Passes a request on to the peer (Forward) over the connection the stream uses, at the address
   * the stream is open on (or will try next). Rejects with the PeerError the call failed with.
   */
  forward(request: ForwardRequestOut, deadline: number): Promise<ForwardResponseIn> {
    if (this.closed) return Promise.reject(new PeerClosedError());
    const metadata = identityMetadata({ clusterId: this.options.clusterId, sender: this.options.selfId, recipient: this.options.peerId });
    return new Promise((resolve, reject) => {
      this.client(this.address).Forward(request, metadata, { deadline }, (error: ServiceError | null, response?: ForwardResponseIn) => {
        if (error !== null) reject(fromPeerStatus(this.options.peerId, error));
        else resolve(response ?? {});
      });
    });
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    const address = this.address;
    let settle!: () => void;
    const ended = new Promise<void>((resolve) => (settle = resolve));
    const metadata = identityMetadata({
      clusterId: this.options.clusterId,
      sender: this.options.selfId,
      recipient: this.options.peerId,
    });
    const call = this.client(address).Stream(metadata, {}, (error: ServiceError | null, _reply?: StreamClosed) => {
      settle();
      this.onEnded(open, error);
    });
    const open: OpenCall = { call, address, ended, accepted: false, wrote: false };
    this.current = open;
    // Errors reach the callback above; a listener keeps a late write error from being thrown.
    call.on('error', () => {});
    call.on('metadata', () => this.onAccepted(open));
  }

  private onAccepted(open: OpenCall): void {
    if (this.current !== open) return;
    open.accepted = true;
    this.backoff.reset();
    if (this.failures > 0) this.log.info({ address: open.address }, 'peer stream restored');
    else this.log.debug({ address: open.address }, 'peer stream open');
    this.failures = 0;
    this.flush();
  }

  private onEnded(open: OpenCall, error: ServiceError | null): void {
    if (this.current !== open) return;
    this.current = undefined;
    this.writing = false;
    if (this.closed) return;
    // A batch written on a broken stream may be lost, and queued ones wait: either way Raft should
    // stop assuming the peer keeps up.
    if (open.wrote || this.queue.length > 0) this.reportUnreachable();
    const refusal = error === null ? undefined : fromPeerStatus(this.options.peerId, error);
    this.logEnd(open, refusal);
    if (refusal?.code === 'PEER_MEMBER_REMOVED') this.options.onRemovedFromCluster();
    if (!open.accepted && this.addresses.length > 1) this.addressIndex = (this.addressIndex + 1) % this.addresses.length;
    const wait = this.backoff.next();
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  private logEnd(open: OpenCall, error: PeerError | undefined): void {
    const refused = error !== undefined && error.code !== 'PEER_UNAVAILABLE' && error.code !== 'PEER_CLOSED';
    const fields = { address: open.address, code: error?.code, reason: error?.message ?? 'ended by the peer' };
    this.failures++;
    if (refused) this.log.error(fields, 'peer refused the stream');
    else if (this.failures === 1) this.log.warn(fields, 'peer stream lost; reconnecting with back-off');
    else this.log.debug(fields, 'peer still unreachable');
  }

  private reportUnreachable(): void {
    if (this.unreachablePending) return;
    this.unreachablePending = true;
    // Never from inside send(): the member may be in the middle of handling a Ready.
    queueMicrotask(() => {
      this.unreachablePending = false;
      if (!this.closed) this.options.onUnreachable();
    });
  }

  /** The client of an address; made anew when the TLS files changed since, so a rotated certificate is presented. */
  private client(address: string): PeerClient {
    const credentials = this.options.dial(address);
    const kept = this.clients.get(address);
    if (kept !== undefined && kept.credentials === credentials) return kept.client;
    kept?.client.close();
    const Client = peerClientConstructor();
    const client = new Client(dialAddress(address), credentials, this.options.channelOptions);
    this.clients.set(address, { client, credentials });
    return client;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
