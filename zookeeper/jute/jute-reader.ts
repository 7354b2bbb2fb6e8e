// Reads Jute's binary encoding from one frame body. Every read is checked against the end of the
// frame: a length that runs past it is refused with JuteDecodeError, never read into the next frame.
import { JuteDecodeError } from './jute-errors.js';

export { JuteDecodeError } from './jute-errors.js';

export class JuteReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) throw new JuteDecodeError(`truncated ${what}: needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`);
  }

  private view(n: number): DataView {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, n);
  }

  int(what = 'int'): number {
    this.need(4, what);
    const v = this.view(4).getInt32(0, false);
    this.pos += 4;
    return v;
  }

  long(what = 'long'): bigint {
    this.need(8, what);
    const v = this.view(8).getBigInt64(0, false);
    this.pos += 8;
    return v;
  }

  bool(what = 'boolean'): boolean {
    this.need(1, what);
    // Java's readBoolean takes any non-zero byte as true; re-encoding then writes 1.
    return this.bytes[this.pos++] !== 0;
  }

  /** Bytes with no length prefix. */
  raw(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** The rest of the frame. */
  rest(): Buffer {
    return this.raw(this.remaining);
  }

  buffer(what = 'buffer'): Buffer | null {
    const n = this.int(`${what} length`);
    if (n === -1) return null;
    if (n < -1) throw new JuteDecodeError(`negative ${what} length ${n} at offset ${this.pos - 4}`);
    return this.raw(n, what);
  }

  ustring(what = 'ustring'): string | null {
    const b = this.buffer(what);
    return b === null ? null : b.toString('utf8');
  }

  /** A string a record requires (a path, a scheme): null on the wire is refused. */
  string(what = 'string'): string {
    const s = this.ustring(what);
    if (s === null) throw new JuteDecodeError(`${what} is null at offset ${this.pos - 4}`);
    return s;
  }

  vector<T>(each: (r: JuteReader) => T, what = 'vector'): T[] | null {
    const n = this.int(`${what} count`);
    if (n === -1) return null;
    if (n < -1) throw new JuteDecodeError(`negative ${what} count ${n} at offset ${this.pos - 4}`);
    // Each item takes at least one byte: a count above what is left cannot be honest.
    if (n > this.remaining) throw new JuteDecodeError(`${what} count ${n} exceeds the ${this.remaining} bytes left`);
    const items: T[] = [];
    for (let i = 0; i < n; i++) items.push(each(this));
    return items;
  }

  /** A vector a record requires: null on the wire is refused. */
  list<T>(each: (r: JuteReader) => T, what = 'vector'): T[] {
    const v = this.vector(each, what);
    if (v === null) throw new JuteDecodeError(`${what} is null`);
    return v;
  }

  stringList(what = 'vector<ustring>'): string[] {
    return this.list((r) => r.string(what), what);
  }

  /** Refuses bytes left over after a record: the frame held something other than what we decoded. */
  end(what = 'record'): void {
    if (this.remaining !== 0) throw new JuteDecodeError(`${this.remaining} unexpected bytes after ${what} at offset ${this.pos}`);
  }
}
