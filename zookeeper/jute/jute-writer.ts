// Jute's binary encoding (ZooKeeper's BinaryOutputArchive): everything big-endian, a boolean is one
// byte, and buffers, strings and vectors carry an int length/count first, -1 meaning null.

const INITIAL_CAPACITY = 256;

export class JuteWriter {
  private buf: Buffer = Buffer.alloc(INITIAL_CAPACITY);
  private len = 0;

  /** The bytes written so far (a copy, so the writer may go on). */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.len + n) capacity *= 2;
    const next = Buffer.alloc(capacity);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  int(v: number): this {
    this.reserve(4);
    this.buf.writeInt32BE(v, this.len);
    this.len += 4;
    return this;
  }

  long(v: bigint): this {
    this.reserve(8);
    this.buf.writeBigInt64BE(v, this.len);
    this.len += 8;
    return this;
  }

  bool(v: boolean): this {
    this.reserve(1);
    this.buf[this.len++] = v ? 1 : 0;
    return this;
  }

  /** Raw bytes with no length prefix (for framing and for appending an already encoded record). */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    return this.int(v.length).raw(v);
  }

  ustring(v: string | null): this {
    if (v === null) return this.int(-1);
    return this.buffer(Buffer.from(v, 'utf8'));
  }

  vector<T>(items: readonly T[] | null, each: (w: JuteWriter, item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  stringVector(items: readonly string[] | null): this {
    return this.vector(items, (w, s) => w.ustring(s));
  }
}
