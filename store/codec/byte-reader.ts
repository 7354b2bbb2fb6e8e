// Reads the fields ByteWriter wrote. Running past the end throws CorruptDataError: every caller
// decodes data read from disk or from a peer, where a short buffer means corruption.
import { CorruptDataError } from '../errors.js';

export class ByteReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) break;
        return result;
      }
      scale *= 0x80;
    }
    throw new CorruptDataError('varint out of range');
  }

  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Length-prefixed bytes, as a view into the underlying buffer. */
  bytes(): Uint8Array {
    const n = this.uvarint();
    this.need(n);
    const v = this.slice(this.pos, n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    const v = this.slice(this.pos, this.buf.length - this.pos);
    this.pos = this.buf.length;
    return v;
  }

  /** Asserts the record was read to its end: trailing bytes mean a format mismatch. */
  end(): void {
    if (this.pos !== this.buf.length) throw new CorruptDataError(`${this.buf.length - this.pos} unexpected trailing bytes`);
  }

  /** A plain Uint8Array view (a Buffer's subarray would be a Buffer, which callers should not see). */
  private slice(at: number, n: number): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + at, n);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new CorruptDataError('record ends early');
  }
}
