// Sends one Raft snapshot message and the application's payload over a SendSnapshot call: the
// header, the payload cut into chunks of at most `chunkBytes`, then a trailer with the size and
// CRC-32C. At most `chunksInFlight` chunks are written and not yet handed to the connection, so a
// payload of any size passes through a few chunks of memory; the payload is read only as fast as
// the receiver takes it.

import type { ChannelOptions, ClientWritableStream } from '@grpc/grpc-js';
import { crc32c } from '../store/mvcc/crc32c.js';
import { PeerClosedError, PeerError, SnapshotIncompleteError, fromPeerStatus } from './peer-errors.js';
import {
  identityMetadata,
  peerClientConstructor,
  type CallIdentity,
  type PeerClient,
  type SnapshotPartOut,
  type SnapshotStaged,
} from './peer-service.js';
import { dialAddress, type Dialer } from './tls-credentials.js';

export interface SnapshotSendOptions {
  /** "host:port", or a peer URL (https dials with TLS). */
  readonly address: string;
  readonly channelOptions: ChannelOptions;
  readonly dial: Dialer;
  readonly identity: CallIdentity;
  /** The encoded snapshot message. */
  readonly message: Uint8Array;
  /** Chunks must not be modified once yielded. */
  readonly payload: AsyncIterable<Uint8Array>;
  readonly chunkBytes: number;
  readonly chunksInFlight: number;
  /** Aborting cancels the call; the promise then rejects with the abort reason. */
  readonly signal: AbortSignal;
}

/**
 * Resolves once the receiver has staged the snapshot; rejects with a PeerError otherwise. The
 * call uses a connection of its own, so a large payload does not hold up the message stream.
 */
export async function sendSnapshot(options: SnapshotSendOptions): Promise<SnapshotStaged> {
  const Client = peerClientConstructor();
  const client = new Client(dialAddress(options.address), options.dial(options.address), options.channelOptions);
  try {
    return await sendOn(client, options);
  } finally {
    client.close();
  }
}

async function sendOn(client: PeerClient, options: SnapshotSendOptions): Promise<SnapshotStaged> {
  const peer = options.identity.recipient;
  options.signal.throwIfAborted();
  let call!: ClientWritableStream<SnapshotPartOut>;
  const reply = new Promise<SnapshotStaged>((resolve, reject) => {
    call = client.SendSnapshot(identityMetadata(options.identity), {}, (error, staged) =>
      error ? reject(fromPeerStatus(peer, error)) : resolve(staged ?? { payload_bytes: 0 }),
    );
  });
  // The receiver answers only after the trailer; an earlier answer is a refusal or a broken call.
  const failed = reply.then(() => {
    throw new SnapshotIncompleteError('the receiver answered before the payload was sent');
  });
  failed.catch(() => {});
  reply.catch(() => {});
  call.on('error', () => {});
  const abort = (): void => call.cancel();
  options.signal.addEventListener('abort', abort, { once: true });
  const writer = new WindowedWriter(call, options.chunksInFlight, failed);
  try {
    await writer.write({ header: { message: options.message } });
    let crc = 0;
    let total = 0;
    const source = options.payload[Symbol.asyncIterator]();
    try {
      for (;;) {
        // A source stuck on a read must not hold up a cancelled or refused call.
        const next = await Promise.race([source.next(), failed]);
        if (next.done === true) break;
        const chunk = next.value;
        for (let at = 0; at < chunk.length; at += options.chunkBytes) {
          const piece = chunk.subarray(at, Math.min(at + options.chunkBytes, chunk.length));
          crc = crc32c(crc, piece);
          total += piece.length;
          await writer.write({ chunk: piece });
        }
      }
    } catch (error) {
      // Let the source release what it holds (an open file); do not wait for a stuck one.
      void source.return?.().catch(() => {});
      throw error;
    }
    await writer.write({ trailer: { payload_bytes: total, payload_crc32c: crc } });
    call.end();
    return await reply;
  } catch (error) {
    call.cancel();
    if (options.signal.aborted) throw abortReason(options.signal);
    throw error instanceof PeerError ? error : new SnapshotIncompleteError(describe(error));
  } finally {
    options.signal.removeEventListener('abort', abort);
  }
}

/** Writes parts, waiting whenever `limit` of them are still on their way to the connection. */
class WindowedWriter {
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly call: ClientWritableStream<SnapshotPartOut>,
    private readonly limit: number,
    private readonly failed: Promise<never>,
  ) {}

  async write(part: SnapshotPartOut): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.call.write(part, (error: Error | null | undefined) => (error ? reject(error) : resolve()));
    });
    written.catch(() => {});
    this.pending.push(written);
    while (this.pending.length >= this.limit) await Promise.race([this.pending.shift()!, this.failed]);
  }
}

function abortReason(signal: AbortSignal): PeerError {
  return signal.reason instanceof PeerError ? signal.reason : new PeerClosedError();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
