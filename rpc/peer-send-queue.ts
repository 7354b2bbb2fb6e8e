// The encoded messages waiting for one peer's stream. Bounded in count and in bytes: when full, the
// oldest messages go first (Raft resends whatever matters, and a newer message is worth more than
// an older one). takeBatch hands out everything that fits in one gRPC message, oldest first.

export interface SendQueueLimits {
  /** Most messages held; past it the oldest are dropped. */
  readonly maxMessages: number;
  /** Most bytes held; past it the oldest are dropped. */
  readonly maxBytes: number;
}

export class PeerSendQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limits: SendQueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Appends one message; returns how many older messages were dropped to make room. */
  push(message: Uint8Array): number {
    this.items.push(message);
    this.bytes += message.length;
    let dropped = 0;
    while (this.length > 1 && (this.length > this.limits.maxMessages || this.bytes > this.limits.maxBytes)) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  /**
   * Removes and returns the oldest messages whose encoded batch (each message with its protobuf
   * framing) fits in `maxBytes` — but always at least one, so a message larger than a batch still
   * leaves, alone.
   */
  takeBatch(maxBytes: number): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let size = 0;
    while (this.length > 0) {
      const next = this.items[this.head]!;
      const framed = framedSize(next.length);
      if (batch.length > 0 && size + framed > maxBytes) break;
      batch.push(this.shift());
      size += framed;
    }
    return batch;
  }

  /** Empties the queue; returns how many messages it held. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return n;
  }

  private shift(): Uint8Array {
    const item = this.items[this.head]!;
    this.items[this.head] = EMPTY;
    this.head++;
    this.bytes -= item.length;
    // Drop the consumed prefix once it dominates, so the array does not grow without bound.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

const EMPTY = new Uint8Array(0);

/** A `repeated bytes` element on the wire: a one-byte field tag, a varint length, the bytes. */
export function framedSize(length: number): number {
  let varint = 1;
  for (let v = length; v >= 0x80; v = Math.floor(v / 0x80)) varint++;
  return 1 + varint + length;
}
