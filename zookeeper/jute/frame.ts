// Framing: every packet in either direction is a 4-byte big-endian length, then that many bytes.
import { JuteFrameTooLargeError } from './jute-errors.js';

/**
 * ZooKeeper's default jute.maxbuffer (1 MiB) plus the 1 KiB it allows on top for a request's own
 * fields (zookeeper.jute.maxbuffer.extrasize): no client sends a bigger packet to a default server.
 */
export const DEFAULT_MAX_FRAME = 1024 * 1024 + 1024;

const LENGTH_BYTES = 4;

/** The bytes to write for one packet: its length, then its body. */
export function encodeFrame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + body.length);
  out.writeInt32BE(body.length, 0);
  out.set(body, LENGTH_BYTES);
  return out;
}

/**
 * Cuts a byte stream (socket chunks, split anywhere) into frame bodies. push() returns the bodies
 * completed by the chunk and throws JuteFrameTooLargeError as soon as a length above the limit (or
 * negative) arrives, before buffering the body: the caller closes the connection then.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length > 0) {
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.pendingBytes += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.pendingBytes < LENGTH_BYTES) break;
      const head = this.peek(LENGTH_BYTES);
      const length = head.readInt32BE(0);
      if (length < 0 || length > this.maxFrame) throw new JuteFrameTooLargeError(length, this.maxFrame);
      if (this.pendingBytes < LENGTH_BYTES + length) break;
      const whole = this.take(LENGTH_BYTES + length);
      // A copy, so a body outlives the socket's chunk it came in.
      frames.push(Buffer.from(whole.subarray(LENGTH_BYTES)));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first !== undefined && first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.pending);
    this.pending = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return out;
  }
}
