// The little of protobuf's wire format etcd's stored messages need: varint fields (int64, enums,
// bools) and length-delimited ones (bytes, strings, messages). Fields equal to their zero value are
// left out, as gogoproto's generated Marshal does for proto3 scalars.

export class ProtoWriter {
  private readonly parts: number[] = [];

  /** An int64/uint64/enum/bool field; negative int64s take ten bytes, as in protobuf. */
  varint(field: number, value: bigint | number | boolean): this {
    const v = BigInt.asUintN(64, BigInt(typeof value === 'boolean' ? (value ? 1 : 0) : value));
    if (v === 0n) return this;
    this.key(field, 0);
    this.raw(v);
    return this;
  }

  /** A bytes/string/message field, left out when empty unless `always` (a set sub-message). */
  bytes(field: number, value: Uint8Array | string, always = false): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (b.length === 0 && !always) return this;
    this.key(field, 2);
    this.raw(BigInt(b.length));
    for (const x of b) this.parts.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  private key(field: number, wireType: number): void {
    this.raw(BigInt(field * 8 + wireType));
  }

  private raw(v: bigint): void {
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }
}

export class ProtoFormatError extends Error {
  override readonly name = 'ProtoFormatError';
}

export type ProtoField = { readonly field: number; readonly varint: bigint } | { readonly field: number; readonly bytes: Uint8Array };

/** Every field of a message, in order; fixed-width fields (none in etcd's stored messages) are skipped. */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= buf.length) throw new ProtoFormatError('message ends inside a varint');
      const b = buf[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
    }
    throw new ProtoFormatError('varint too long');
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    switch (key & 7) {
      case 0:
        out.push({ field, varint: varint() });
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        if (pos + len > buf.length) throw new ProtoFormatError('field runs past the message');
        out.push({ field, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new ProtoFormatError(`unsupported wire type ${key & 7}`);
    }
  }
  return out;
}

/** Reads fields into a record by number: varints as signed int64, bytes as they are (repeated ones gathered). */
export class ProtoFields {
  private constructor(private readonly fields: readonly ProtoField[]) {}

  static of(buf: Uint8Array): ProtoFields {
    return new ProtoFields(readFields(buf));
  }

  int(field: number): bigint {
    let v = 0n;
    for (const f of this.fields) if (f.field === field && 'varint' in f) v = BigInt.asIntN(64, f.varint);
    return v;
  }

  num(field: number): number {
    const v = this.int(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ProtoFormatError(`field ${field} out of range: ${v}`);
    return Number(v);
  }

  bytes(field: number): Uint8Array {
    let v: Uint8Array = new Uint8Array(0);
    for (const f of this.fields) if (f.field === field && 'bytes' in f) v = f.bytes;
    return v;
  }

  has(field: number): boolean {
    return this.fields.some((f) => f.field === field);
  }

  string(field: number): string {
    return Buffer.from(this.bytes(field)).toString('utf8');
  }

  repeatedBytes(field: number): Uint8Array[] {
    return this.fields.filter((f): f is { field: number; bytes: Uint8Array } => f.field === field && 'bytes' in f).map((f) => f.bytes);
  }
}
