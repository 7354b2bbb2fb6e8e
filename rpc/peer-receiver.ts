// The serving side of the peer protocol: admits a call only from a known member of this cluster
// that means this member, decodes each batch and delivers its messages in order, receives
// snapshots, and hands on the requests a member passes on to this one as the leader (Forward). It keeps every open call, so that closing the transport or removing a member ends
// them with a status rather than leaving them to time out.

import { Metadata, status as GrpcStatus, type ServerReadableStream, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Message, SnapshotMessage } from '../raft/messages.js';
import type { NodeId } from '../raft/types.js';
import {
  BadMessageError,
  ClusterMismatchError,
  MemberRemovedError,
  PeerClosedError,
  PeerError,
  UnknownMemberError,
  WrongRecipientError,
  toPeerStatus,
} from './peer-errors.js';
import { decodeMessage } from './peer-message-codec.js';
import { receiveSnapshot } from './peer-snapshot-receiver.js';
import {
  readIdentity,
  type CallIdentity,
  type ForwardRequestIn,
  type ForwardResponseOut,
  type MessageBatch,
  type PeerServiceHandlers,
  type SnapshotPartIn,
  type SnapshotStaged,
  type StreamClosed,
} from './peer-service.js';

export interface PeerReceiverOptions {
  readonly selfId: NodeId;
  readonly clusterId: string;
  /** Whether `id` is a member this one accepts traffic from. */
  readonly isMember: (id: NodeId) => boolean;
  /** Whether `id` was removed from the cluster (its calls are refused saying so). */
  readonly isRemoved: (id: NodeId) => boolean;
  readonly onMessages: (messages: Message[]) => void;
  readonly onSnapshot: (message: SnapshotMessage, payload: AsyncIterable<Uint8Array>) => Promise<void>;
  /**
   * A request a member passed on for this one to carry out as the leader (see Forward in
   * peer.proto). Absent: such calls are refused. Throwing answers the call with an INTERNAL status.
   */
  readonly onForward?: (request: ForwardRequestIn, from: NodeId) => Promise<ForwardResponseOut>;
  readonly logger: Logger;
}

interface IncomingCall {
  readonly sender: NodeId;
  /** Answers the call with `error` (once) and stops reading from it. */
  end(error: PeerError): void;
}

export class PeerReceiver {
  readonly handlers: PeerServiceHandlers;
  private readonly open = new Set<IncomingCall>();
  private closed = false;

  constructor(private readonly options: PeerReceiverOptions) {
    this.handlers = {
      Stream: (call, callback) => this.serveStream(call, callback),
      SendSnapshot: (call, callback) => this.serveSnapshot(call, callback),
      Forward: (call, callback) => this.serveForward(call, callback),
    };
  }

  /** Ends every open call from `id` (a member just removed). */
  endCallsFrom(id: NodeId): void {
    for (const call of [...this.open]) {
      if (call.sender === id) call.end(this.refusal(id));
    }
  }

  /** Ends every open call and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const call of [...this.open]) call.end(new PeerClosedError());
  }

  private admit(metadata: Metadata): CallIdentity {
    if (this.closed) throw new PeerClosedError();
    const identity = readIdentity(metadata);
    const { selfId, clusterId } = this.options;
    if (identity.clusterId !== clusterId) throw new ClusterMismatchError(clusterId, identity.clusterId);
    if (identity.recipient !== selfId) throw new WrongRecipientError(identity.recipient, selfId);
    if (identity.sender === selfId || !this.options.isMember(identity.sender)) throw this.refusal(identity.sender);
    return identity;
  }

  private refusal(sender: NodeId): PeerError {
    return this.options.isRemoved(sender) ? new MemberRemovedError(sender) : new UnknownMemberError(sender, this.options.clusterId);
  }

  private serveStream(call: ServerReadableStream<MessageBatch, StreamClosed>, callback: sendUnaryData<StreamClosed>): void {
    let identity: CallIdentity;
    try {
      identity = this.admit(call.metadata);
    } catch (error) {
      this.refuse(call.getPeer(), error, callback);
      return;
    }
    const { sender } = identity;
    let finished = false;
    const incoming: IncomingCall = {
      sender,
      end: (error) => {
        if (finished) return;
        finished = true;
        this.open.delete(incoming);
        callback(toPeerStatus(error));
        call.destroy();
      },
    };
    const finishQuietly = (): void => {
      if (finished) return;
      finished = true;
      this.open.delete(incoming);
      callback(null, {});
    };
    this.open.add(incoming);
    // Response headers tell the sender the stream is accepted: it may start writing.
    call.sendMetadata(new Metadata());
    call.on('data', (batch: MessageBatch) => {
      if (finished) return;
      if (!this.options.isMember(sender)) {
        incoming.end(this.refusal(sender));
        return;
      }
      let messages: Message[];
      try {
        messages = this.decodeBatch(batch, sender);
      } catch (error) {
        const peerError = error instanceof PeerError ? error : new BadMessageError(String(error));
        this.options.logger.warn({ peer: sender, code: peerError.code, reason: peerError.message }, 'ending a peer stream with a bad batch');
        incoming.end(peerError);
        return;
      }
      if (messages.length === 0) return;
      try {
        this.options.onMessages(messages);
      } catch (error) {
        this.options.logger.error({ peer: sender, err: error }, 'the member failed to take peer messages');
      }
    });
    call.on('end', finishQuietly);
    // A cancelled or reset call: nothing to answer, only to forget.
    call.on('close', finishQuietly);
    call.on('error', finishQuietly);
  }

  private decodeBatch(batch: MessageBatch, sender: NodeId): Message[] {
    const messages = new Array<Message>(batch.messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = decodeMessage(batch.messages[i]!);
      // A follower that is not the leader passes a forwarded proposal or read on with its original
      // sender, so the answer goes back to the member that asked: those may name another member.
      const relayed = m.type === 'propose' || m.type === 'readIndex';
      if ((m.from !== sender && !(relayed && this.options.isMember(m.from))) || m.to !== this.options.selfId) {
        throw new BadMessageError(`${m.type} from ${m.from} to ${m.to} on a stream from ${sender} to ${this.options.selfId}`);
      }
      if (m.type === 'snapshot') throw new BadMessageError('a snapshot message belongs on SendSnapshot');
      messages[i] = m;
    }
    return messages;
  }

  private serveSnapshot(call: ServerReadableStream<SnapshotPartIn, SnapshotStaged>, callback: sendUnaryData<SnapshotStaged>): void {
    let identity: CallIdentity;
    try {
      identity = this.admit(call.metadata);
    } catch (error) {
      this.refuse(call.getPeer(), error, callback);
      return;
    }
    const { sender } = identity;
    let finished = false;
    const answer = (error: PeerError | undefined, staged?: SnapshotStaged): void => {
      if (finished) return;
      finished = true;
      this.open.delete(incoming);
      if (error === undefined) callback(null, staged);
      else callback(toPeerStatus(error));
    };
    const incoming: IncomingCall = {
      sender,
      end: (error) => {
        answer(error);
        // The member's read of the payload fails from here on.
        call.destroy();
      },
    };
    this.open.add(incoming);
    const parts = call[Symbol.asyncIterator]() as AsyncIterator<SnapshotPartIn>;
    receiveSnapshot(parts, { sender, self: this.options.selfId }, this.options.onSnapshot).then(
      (receipt) => {
        this.options.logger.info({ peer: sender, index: receipt.message.snapshot.meta.index, bytes: receipt.payloadBytes }, 'snapshot received');
        answer(undefined, { payload_bytes: receipt.payloadBytes });
      },
      (error: unknown) => {
        const peerError = error instanceof PeerError ? error : new BadMessageError(String(error));
        if (!finished) this.options.logger.warn({ peer: sender, code: peerError.code, reason: peerError.message }, 'snapshot not received');
        answer(peerError);
      },
    );
  }

  private serveForward(call: ServerUnaryCall<ForwardRequestIn, ForwardResponseOut>, callback: sendUnaryData<ForwardResponseOut>): void {
    let identity: CallIdentity;
    try {
      identity = this.admit(call.metadata);
      if (this.options.onForward === undefined) throw new BadMessageError('this member takes no forwarded requests');
    } catch (error) {
      this.refuse(call.getPeer(), error, callback);
      return;
    }
    const { sender } = identity;
    this.options.onForward(call.request, sender).then(
      (response) => callback(null, response),
      (error: unknown) => {
        this.options.logger.error({ peer: sender, err: error, request: call.request.request }, 'a forwarded request failed');
        callback({ code: GrpcStatus.INTERNAL, details: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  private refuse<T>(from: string, error: unknown, callback: sendUnaryData<T>): void {
    const peerError = error instanceof PeerError ? error : new BadMessageError(String(error));
    this.options.logger.warn({ from, code: peerError.code, reason: peerError.message }, 'refused a peer call');
    callback(toPeerStatus(peerError));
  }
}
