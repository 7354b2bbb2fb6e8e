// The receiving end of SendSnapshot: reads the header, decodes the snapshot message, and hands the
// member the message with the payload as an async iterable of chunks. The iterable pulls one part
// at a time from the call, so only the call's small read-ahead buffer is ever held; it checks the
// trailer's size and CRC-32C and throws SnapshotIncompleteError when they do not match or the call
// breaks first. The member stages the payload while iterating, then steps the message.

import type { SnapshotMessage } from '../raft/messages.js';
import type { NodeId } from '../raft/types.js';
import { crc32c } from '../store/mvcc/crc32c.js';
import { decodeMessage } from './peer-message-codec.js';
import { BadMessageError, PeerError, SnapshotIncompleteError, SnapshotRejectedError } from './peer-errors.js';
import type { SnapshotPartIn } from './peer-service.js';

export type StageSnapshot = (message: SnapshotMessage, payload: AsyncIterable<Uint8Array>) => Promise<void>;

export interface SnapshotReceipt {
  readonly message: SnapshotMessage;
  readonly payloadBytes: number;
}

/**
 * Receives one snapshot from `parts` (the call, as an async iterator) sent by `sender` to `self`.
 * Rejects with a PeerError: BadMessageError for a malformed call, SnapshotIncompleteError for a
 * payload that did not arrive whole, SnapshotRejectedError when `stage` failed or did not read the
 * payload to its end.
 */
export async function receiveSnapshot(
  parts: AsyncIterator<SnapshotPartIn>,
  expected: { readonly sender: NodeId; readonly self: NodeId },
  stage: StageSnapshot,
): Promise<SnapshotReceipt> {
  const message = await readHeader(parts, expected);
  const payload = new SnapshotPayload(parts);
  try {
    await stage(message, payload);
  } catch (error) {
    if (error instanceof PeerError) throw error;
    throw new SnapshotRejectedError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (!payload.complete) throw new SnapshotRejectedError('the payload was not read to its end');
  return { message, payloadBytes: payload.bytes };
}

async function readHeader(
  parts: AsyncIterator<SnapshotPartIn>,
  expected: { readonly sender: NodeId; readonly self: NodeId },
): Promise<SnapshotMessage> {
  const first = await nextPart(parts);
  if (first.done === true || first.value.part !== 'header') throw new BadMessageError('a snapshot call must start with its header');
  const message = decodeMessage(first.value.header.message);
  if (message.type !== 'snapshot') throw new BadMessageError(`a snapshot call carries a ${message.type} message`);
  if (message.from !== expected.sender || message.to !== expected.self) {
    throw new BadMessageError(`snapshot from ${message.from} to ${message.to} on a call from ${expected.sender} to ${expected.self}`);
  }
  return message;
}

/** The payload between header and trailer, readable once. */
class SnapshotPayload implements AsyncIterable<Uint8Array> {
  bytes = 0;
  complete = false;
  private crc = 0;
  private taken = false;

  constructor(private readonly parts: AsyncIterator<SnapshotPartIn>) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.taken) throw new SnapshotRejectedError('the payload can be read only once');
    this.taken = true;
    for (;;) {
      const next = await nextPart(this.parts);
      if (next.done === true) throw new SnapshotIncompleteError(`the call ended after ${this.bytes} bytes without a trailer`);
      const part = next.value;
      switch (part.part) {
        case 'chunk':
          this.bytes += part.chunk.length;
          this.crc = crc32c(this.crc, part.chunk);
          // A plain view: consumers should not see (or rely on) Node's Buffer.
          yield new Uint8Array(part.chunk.buffer, part.chunk.byteOffset, part.chunk.byteLength);
          break;
        case 'trailer':
          await this.finish(part.trailer.payload_bytes, part.trailer.payload_crc32c);
          return;
        default:
          throw new BadMessageError(`unexpected snapshot part ${part.part ?? '(none)'} after the header`);
      }
    }
  }

  private async finish(size: number, crc: number): Promise<void> {
    if (size !== this.bytes) throw new SnapshotIncompleteError(`received ${this.bytes} bytes, the sender sent ${size}`);
    if (crc !== this.crc) throw new SnapshotIncompleteError('checksum mismatch');
    const after = await nextPart(this.parts);
    if (after.done !== true) throw new BadMessageError('parts after the trailer');
    this.complete = true;
  }
}

/** The next part; a broken call (cancelled, reset) becomes SnapshotIncompleteError. */
async function nextPart(parts: AsyncIterator<SnapshotPartIn>): Promise<IteratorResult<SnapshotPartIn>> {
  try {
    return await parts.next();
  } catch (error) {
    if (error instanceof PeerError) throw error;
    throw new SnapshotIncompleteError(`the call broke: ${error instanceof Error ? error.message : String(error)}`);
  }
}
