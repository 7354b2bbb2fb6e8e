// Carries Raft messages between the members of one cluster over gRPC (proto/lodestone/peer.proto).
//
// The member hands send() the messages of each Ready once that Ready is durable. Each message goes
// to its recipient's PeerStream: one long-lived stream per peer, batched, reconnected with back-off.
// Snapshot messages instead get a SendSnapshot call of their own, with the application's payload,
// and their outcome is reported exactly once through onSnapshotStatus. Messages from peers arrive
// through onMessages, in the order each peer sent them. A request a follower passes on to the
// leader goes as a Forward call over the connection of the leader's stream (forward()), and a
// peer's arrives through onForward, once the call is admitted as any other.
//
// Member ids are NodeIds (positive safe integers) in this API, decimal strings in call metadata,
// varints inside encoded messages. The cluster id is an opaque string that must match exactly.
//
// The handler is never called from inside send(): the member may be in the middle of a Ready.

import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { Message, SnapshotMessage } from '../raft/messages.js';
import type { NodeId } from '../raft/types.js';
import { GrpcConnections } from './connection-sink.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './peer-backoff.js';
import { BadOptionsError, MessageTooLargeError, NotStartedError, PeerClosedError, PeerError, PeerUnavailableError } from './peer-errors.js';
import { encodeMessage, encodeMessages } from './peer-message-codec.js';
import { membershipHandlers, membershipServiceDefinition, type MembershipInfo } from './peer-membership.js';
import { PeerProber } from './peer-prober.js';
import { PeerReceiver } from './peer-receiver.js';
import { framedSize } from './peer-send-queue.js';
import { peerChannelOptions, peerServiceDefinition, type ForwardRequestIn, type ForwardRequestOut, type ForwardResponseIn, type ForwardResponseOut } from './peer-service.js';
import { sendSnapshot } from './peer-snapshot-sender.js';
import { settlesWithin } from './peer-settles-within.js';
import { PeerStream } from './peer-stream.js';
import type { ServerTls } from './tls-config.js';
import { dialerFor, type Dialer } from './tls-credentials.js';
import { SecureListener } from './tls-listener.js';

/** What the member gives the transport: where messages go, and where failures are reported. */
export interface PeerHandler {
  /** Messages from one peer's stream, in the order it sent them: step them into Raft. */
  onMessages(messages: Message[]): void;
  /** A snapshot from the leader: stage `payload` (read it to its end), then step `message`. */
  onSnapshot(message: SnapshotMessage, payload: AsyncIterable<Uint8Array>): Promise<void>;
  /** The application's payload to stream with `message` (sender side); read once, lazily. */
  snapshotPayload(message: SnapshotMessage): AsyncIterable<Uint8Array>;
  /** Messages to `id` were lost or dropped: Raft's reportUnreachable. */
  onUnreachable(id: NodeId): void;
  /** Raft's reportSnapshot: called exactly once for every snapshot message given to send(). */
  onSnapshotStatus(id: NodeId, ok: boolean): void;
  /** A peer refused this member as removed from the cluster: it missed its own removal, and should stop. */
  onRemovedFromCluster?(by: NodeId): void;
  /**
   * A request a peer passed on for this member to carry out as the leader (Forward): the answer, an
   * etcd error included. Without it, peers' forwarded requests are refused.
   */
  onForward?(request: ForwardRequestIn, from: NodeId): Promise<ForwardResponseOut>;
}

export interface PeerTransportLimits {
  /** The largest gRPC message sent or accepted (a batch, a snapshot header). Default 64 MiB. */
  readonly maxMessageBytes: number;
  /** Target size of one batch of messages. Default 1 MiB. */
  readonly maxBatchBytes: number;
  /** Messages queued for one peer before the oldest are dropped. Default 10,000. */
  readonly maxQueuedMessages: number;
  /** Bytes queued for one peer before the oldest messages are dropped. Default 64 MiB. */
  readonly maxQueuedBytes: number;
  /** Size of one snapshot payload chunk. Default 64 KiB. */
  readonly snapshotChunkBytes: number;
  /** Snapshot chunks written and not yet taken by the connection. Default 4. */
  readonly snapshotChunksInFlight: number;
  /** How long close() lets streams end on their own before cutting them. Default 1 s. */
  readonly closeGraceMs: number;
}

export const DEFAULT_PEER_LIMITS: PeerTransportLimits = Object.freeze({
  maxMessageBytes: 64 * 1024 * 1024,
  maxBatchBytes: 1024 * 1024,
  maxQueuedMessages: 10_000,
  maxQueuedBytes: 64 * 1024 * 1024,
  snapshotChunkBytes: 64 * 1024,
  snapshotChunksInFlight: 4,
  closeGraceMs: 1000,
});

export interface PeerTransportOptions {
  readonly selfId: NodeId;
  readonly clusterId: string;
  /** "host:port" to serve peers on; port 0 picks a free port (see `port`). */
  readonly listen: string;
  /** Serve peers over TLS (an https listen URL): refused connections never reach the handler. */
  readonly listenTls?: ServerTls;
  /** The credentials to dial a peer address with (https peer URLs need TLS); plaintext by default. */
  readonly dial?: Dialer;
  readonly handler: PeerHandler;
  readonly logger?: Logger;
  readonly limits?: Partial<PeerTransportLimits>;
  /** Serve the Membership service (for members joining an existing cluster) with this answer. */
  readonly membership?: () => MembershipInfo;
  /** Waits between reconnection attempts. Default 50 ms doubling to 2 s. */
  readonly backoff?: BackoffOptions;
  /** Members removed from the cluster: their calls are refused saying so (default: none). */
  readonly isRemoved?: (id: NodeId) => boolean;
  /**
   * Probe each peer's round trip every few seconds and report each sample (see peer-prober.ts).
   * The peers must serve the Membership service (members do: see `membership`).
   */
  readonly onRoundTrip?: (peer: NodeId, seconds: number) => void;
  /** Time between two probes of a peer. Default 5 s, as etcd's prober. */
  readonly probeIntervalMs?: number;
}

/** How long a probe may take before it is dropped. */
const PROBE_TIMEOUT_MS = 5000;

interface OutgoingSnapshot {
  readonly peer: NodeId;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

type State = 'new' | 'starting' | 'running' | 'closed';

/** Room in a gRPC message for the batch's own framing beyond its messages. */
const BATCH_OVERHEAD = 64;

export class PeerTransport {
  private readonly log: Logger;
  private readonly limits: PeerTransportLimits;
  private readonly channelOptions: ChannelOptions;
  private readonly receiver: PeerReceiver;
  private readonly peers = new Map<NodeId, PeerStream>();
  private readonly closing = new Set<Promise<void>>();
  private readonly snapshots = new Set<OutgoingSnapshot>();
  private server: Server | undefined;
  private secureListener: SecureListener | undefined;
  private readonly dial: Dialer;
  private readonly prober: PeerProber | undefined;
  private boundPort: number | undefined;
  private state: State = 'new';

  constructor(private readonly options: PeerTransportOptions) {
    if (!isNodeId(options.selfId)) throw new BadOptionsError(`selfId must be a positive safe integer, got ${options.selfId}`);
    if (options.clusterId === '') throw new BadOptionsError('clusterId must not be empty');
    this.limits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
    if (this.limits.maxBatchBytes + BATCH_OVERHEAD > this.limits.maxMessageBytes) {
      throw new BadOptionsError('maxBatchBytes must leave room below maxMessageBytes');
    }
    this.log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'peer-transport', member: options.selfId });
    this.channelOptions = peerChannelOptions({ maxMessageBytes: this.limits.maxMessageBytes });
    this.dial = options.dial ?? dialerFor(undefined);
    const onRoundTrip = options.onRoundTrip;
    if (onRoundTrip) this.prober = new PeerProber({ intervalMs: options.probeIntervalMs ?? 5000, timeoutMs: PROBE_TIMEOUT_MS, dial: this.dial, onRoundTrip });
    this.receiver = new PeerReceiver({
      selfId: options.selfId,
      clusterId: options.clusterId,
      isMember: (id) => this.peers.has(id),
      isRemoved: (id) => options.isRemoved?.(id) ?? false,
      onMessages: (messages) => options.handler.onMessages(messages),
      onSnapshot: (message, payload) => options.handler.onSnapshot(message, payload),
      ...(options.handler.onForward ? { onForward: (request: ForwardRequestIn, from: NodeId) => options.handler.onForward!(request, from) } : {}),
      logger: this.log,
    });
  }

  /** Binds the listen address and starts serving peers. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new BadOptionsError(`start() on a transport that is ${this.state}`);
    this.state = 'starting';
    const server = new Server(this.channelOptions);
    server.addService(peerServiceDefinition(), this.receiver.handlers);
    if (this.options.membership) server.addService(membershipServiceDefinition(), membershipHandlers(this.options.membership));
    this.server = server;
    try {
      const tls = this.options.listenTls;
      if (tls !== undefined) {
        this.secureListener = await SecureListener.listen({ address: this.options.listen, tls, sink: new GrpcConnections(server), logger: this.log });
        this.boundPort = this.secureListener.port;
      } else {
        this.boundPort = await new Promise<number>((resolve, reject) => {
          server.bindAsync(this.options.listen, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
        });
      }
    } catch (error) {
      this.state = 'closed';
      this.prober?.close();
      server.forceShutdown();
      throw new BadOptionsError(`cannot listen on ${this.options.listen}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if ((this.state as State) === 'closed') {
      await this.secureListener?.close();
      server.forceShutdown();
      throw new PeerClosedError();
    }
    this.state = 'running';
    this.log.info({ listen: this.options.listen, port: this.boundPort }, 'serving peers');
  }

  /** The port peers reach this member on (the bound one when `listen` said port 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new NotStartedError();
    return this.boundPort;
  }

  /** Adds a peer, or changes its addresses ("host:port" or peer URLs — https dials with TLS — tried in turn while none answers). */
  setPeer(id: NodeId, addresses: readonly string[]): void {
    if (!isNodeId(id) || id === this.options.selfId) throw new BadOptionsError(`not a peer id: ${id}`);
    if (addresses.length === 0) throw new BadOptionsError(`member ${id} needs at least one address`);
    if (this.state === 'closed') return;
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      existing.setAddresses(addresses);
      return;
    }
    const stream = new PeerStream({
      selfId: this.options.selfId,
      clusterId: this.options.clusterId,
      peerId: id,
      addresses,
      channelOptions: this.channelOptions,
      dial: this.dial,
      queue: { maxMessages: this.limits.maxQueuedMessages, maxBytes: this.limits.maxQueuedBytes },
      maxBatchBytes: this.limits.maxBatchBytes,
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      closeGraceMs: this.limits.closeGraceMs,
      logger: this.log,
      onUnreachable: () => this.reportUnreachable(id),
      onRemovedFromCluster: () => {
        if (this.state === 'running') this.options.handler.onRemovedFromCluster?.(id);
      },
    });
    this.peers.set(id, stream);
    this.prober?.setPeer(id, () => stream.address);
  }

  /** Forgets a peer: its stream and snapshots in flight end, and its calls to us are refused. */
  removePeer(id: NodeId): void {
    const stream = this.peers.get(id);
    if (stream === undefined) return;
    this.peers.delete(id);
    this.prober?.removePeer(id);
    this.track(stream.close());
    for (const snapshot of this.snapshots) {
      if (snapshot.peer === id) snapshot.abort.abort(new PeerClosedError());
    }
    this.receiver.endCallsFrom(id);
  }

  /** The ids of the peers set. */
  peerIds(): NodeId[] {
    return [...this.peers.keys()];
  }

  /** Whether the stream to `id` is open and accepted by the peer. */
  isConnected(id: NodeId): boolean {
    return this.peers.get(id)?.connected === true;
  }

  /**
   * Queues messages for their recipients and starts writing. Never blocks, never throws: a message
   * that cannot be sent is reported through onUnreachable (or onSnapshotStatus) instead.
   */
  send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      if (m.type === 'snapshot') {
        this.startSnapshot(m);
        continue;
      }
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [peer, list] of byPeer) {
      try {
        this.enqueue(peer, list);
      } catch (error) {
        this.log.error({ err: error, peer }, 'dropped messages that cannot be sent');
        this.reportUnreachableLater(peer);
      }
    }
  }

  /**
   * Passes a request on to peer `id` (Forward), over the connection of its stream, answered by
   * `deadline` (ms since the epoch). Rejects with a PeerError: the peer is unknown, refused the
   * call, or could not be reached or answered in time.
   */
  forward(id: NodeId, request: ForwardRequestOut, deadline: number): Promise<ForwardResponseIn> {
    if (this.state !== 'running') return Promise.reject(this.state === 'closed' ? new PeerClosedError() : new NotStartedError());
    const stream = this.peers.get(id);
    if (stream === undefined) return Promise.reject(new PeerUnavailableError(id, 'not a peer of this member'));
    return stream.forward(request, deadline);
  }

  /** Ends streams and snapshots, ends calls from peers, stops the server, closes connections. */
  async close(): Promise<void> {
    this.prober?.close();
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const snapshot of this.snapshots) snapshot.abort.abort(new PeerClosedError());
    this.receiver.close();
    for (const stream of this.peers.values()) this.track(stream.close());
    this.peers.clear();
    await Promise.all([...this.closing, ...[...this.snapshots].map((s) => s.done)]);
    await this.stopServer();
    this.log.info('peer transport closed');
  }

  /** Encodes one peer's messages together (one buffer for all) and queues them in order. */
  private enqueue(peer: NodeId, messages: readonly Message[]): void {
    if (this.state === 'closed') return;
    const stream = this.peers.get(peer);
    if (stream === undefined) {
      this.log.debug({ peer, count: messages.length }, 'messages for an unknown peer dropped');
      this.reportUnreachableLater(peer);
      return;
    }
    const encoded = encodeMessages(messages, (m, error) => {
      this.log.error({ peer, type: m.type, reason: error.message }, 'dropped a message that cannot be encoded');
      this.reportUnreachableLater(peer);
    });
    const limit = this.limits.maxMessageBytes - BATCH_OVERHEAD;
    for (const bytes of encoded) {
      if (framedSize(bytes.length) > limit) {
        this.log.error({ peer, reason: new MessageTooLargeError(bytes.length, limit).message }, 'dropped a message too large to send');
        this.reportUnreachableLater(peer);
        continue;
      }
      stream.enqueue(bytes);
    }
    stream.flush();
  }

  private startSnapshot(m: SnapshotMessage): void {
    const abort = new AbortController();
    const peer = m.to;
    const stream = this.peers.get(peer);
    let reported = false;
    const report = (ok: boolean): void => {
      if (reported) return;
      reported = true;
      try {
        this.options.handler.onSnapshotStatus(peer, ok);
      } catch (error) {
        this.log.error({ err: error, peer }, 'the member failed to take a snapshot status');
      }
    };
    const run = async (): Promise<void> => {
      // Yield first: the handler must not be called from inside send().
      await Promise.resolve();
      if (this.state === 'closed') throw new PeerClosedError();
      if (stream === undefined) throw new BadOptionsError(`no address for member ${peer}`);
      const staged = await sendSnapshot({
        address: stream.address,
        channelOptions: this.channelOptions,
        dial: this.dial,
        identity: { clusterId: this.options.clusterId, sender: this.options.selfId, recipient: peer },
        message: encodeMessage(m),
        payload: this.options.handler.snapshotPayload(m),
        chunkBytes: this.limits.snapshotChunkBytes,
        chunksInFlight: this.limits.snapshotChunksInFlight,
        signal: abort.signal,
      });
      this.log.info({ peer, index: m.snapshot.meta.index, bytes: staged.payload_bytes }, 'snapshot sent');
    };
    const snapshot: OutgoingSnapshot = {
      peer,
      abort,
      done: run().then(
        () => report(true),
        (error: unknown) => {
          const code = error instanceof PeerError ? error.code : undefined;
          this.log.warn({ peer, index: m.snapshot.meta.index, code, reason: String(error) }, 'snapshot not sent');
          report(false);
        },
      ).finally(() => this.snapshots.delete(snapshot)),
    };
    this.snapshots.add(snapshot);
  }

  private reportUnreachableLater(id: NodeId): void {
    queueMicrotask(() => this.reportUnreachable(id));
  }

  private reportUnreachable(id: NodeId): void {
    if (this.state === 'closed') return;
    try {
      this.options.handler.onUnreachable(id);
    } catch (error) {
      this.log.error({ err: error, peer: id }, 'the member failed to take an unreachable report');
    }
  }

  private track(closing: Promise<void>): void {
    this.closing.add(closing);
    closing.then(
      () => this.closing.delete(closing),
      (error: unknown) => {
        this.closing.delete(closing);
        this.log.error({ err: error }, 'a peer stream did not close cleanly');
      },
    );
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await this.secureListener?.close();
    const stopped = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    if (!(await settlesWithin(stopped, this.limits.closeGraceMs))) {
      server.forceShutdown();
      await stopped;
    }
  }
}

function isNodeId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0;
}
