// The on-disk format of a bbolt database (etcd's backend), as its sources define it. Everything is
// little-endian (the byte order of the machines etcd runs on, which bbolt writes natively).
//
//   page header (16 bytes):  id u64 | flags u16 | count u16 | overflow u32
//   meta (after the header): magic u32 | version u32 | pageSize u32 | flags u32 | root bucket
//                            (root page u64, sequence u64) | freelist page u64 | high-water page u64 |
//                            txid u64 | checksum u64 (FNV-64a of every meta byte before it)
//   leaf element (16 bytes): flags u32 | pos u32 | key size u32 | value size u32
//   branch element (16):     pos u32 | key size u32 | child page u64
// `pos` counts from the element's own first byte to its key (the value follows the key). A page
// whose content is larger than a page spans `overflow` more pages after it.

export const DEFAULT_PAGE_SIZE = 4096;
export const PAGE_HEADER_SIZE = 16;
export const ELEMENT_SIZE = 16;
export const BUCKET_HEADER_SIZE = 16;
export const META_SIZE = 64;
export const MAGIC = 0xed0cdaed;
export const VERSION = 2;

export const PAGE_FLAGS = { branch: 0x01, leaf: 0x02, meta: 0x04, freelist: 0x10 } as const;
/** A leaf element whose value is a bucket header (and maybe an inline page). */
export const BUCKET_LEAF_FLAG = 0x01;
/** A freelist page's count saying the real count is in the first u64. */
export const FREELIST_COUNT_OVERFLOW = 0xffff;
/** The freelist page id of a file whose freelist is not kept (bbolt's pgidNoFreelist). */
export const NO_FREELIST = 0xffffffffffffffffn;

export class BoltFormatError extends Error {
  override readonly name = 'BoltFormatError';
}

export interface PageHeader {
  readonly id: number;
  readonly flags: number;
  readonly count: number;
  readonly overflow: number;
}

export interface Meta {
  readonly pageSize: number;
  readonly flags: number;
  readonly rootPage: number;
  readonly rootSequence: bigint;
  /** undefined when the freelist is not written (bbolt's NoFreelistSync: rebuilt at open). */
  readonly freelistPage: number | undefined;
  /** The first page id not in use: the file holds this many pages. */
  readonly highWater: number;
  readonly txid: bigint;
}

export function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** A u64 that must fit a JavaScript number (page ids and sizes do, in any file we can hold). */
export function readU64(v: DataView, at: number): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new BoltFormatError(`64-bit field at ${at} is too large: ${n}`);
  return Number(n);
}

export function writeU64(v: DataView, at: number, n: number | bigint): void {
  v.setBigUint64(at, BigInt(n), true);
}

export function readPageHeader(v: DataView, at: number): PageHeader {
  return { id: readU64(v, at), flags: v.getUint16(at + 8, true), count: v.getUint16(at + 10, true), overflow: v.getUint32(at + 12, true) };
}

export function writePageHeader(v: DataView, at: number, h: PageHeader): void {
  writeU64(v, at, h.id);
  v.setUint16(at + 8, h.flags, true);
  v.setUint16(at + 10, h.count, true);
  v.setUint32(at + 12, h.overflow, true);
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/** FNV-64a, the hash bbolt checksums its meta pages with. */
export function fnv64a(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & U64;
  return h;
}

/** Writes a meta page (header and meta, checksum included) at byte `at`. */
export function writeMetaPage(buf: Uint8Array, at: number, pageId: number, m: Meta): void {
  const v = view(buf);
  writePageHeader(v, at, { id: pageId, flags: PAGE_FLAGS.meta, count: 0, overflow: 0 });
  const p = at + PAGE_HEADER_SIZE;
  v.setUint32(p, MAGIC, true);
  v.setUint32(p + 4, VERSION, true);
  v.setUint32(p + 8, m.pageSize, true);
  v.setUint32(p + 12, m.flags, true);
  writeU64(v, p + 16, m.rootPage);
  writeU64(v, p + 24, m.rootSequence);
  writeU64(v, p + 32, m.freelistPage ?? NO_FREELIST);
  writeU64(v, p + 40, m.highWater);
  writeU64(v, p + 48, m.txid);
  writeU64(v, p + 56, fnv64a(buf.subarray(p, p + 56)));
}

/** Reads and validates the meta page at byte `at`; throws saying what is wrong. */
export function readMetaPage(buf: Uint8Array, at: number): Meta {
  if (buf.length < at + PAGE_HEADER_SIZE + META_SIZE) throw new BoltFormatError('file too small for a meta page');
  const v = view(buf);
  const h = readPageHeader(v, at);
  if ((h.flags & PAGE_FLAGS.meta) === 0) throw new BoltFormatError(`page ${h.id} is not a meta page (flags ${h.flags})`);
  const p = at + PAGE_HEADER_SIZE;
  if (v.getUint32(p, true) !== MAGIC) throw new BoltFormatError('invalid database (bad magic)');
  if (v.getUint32(p + 4, true) !== VERSION) throw new BoltFormatError(`version mismatch: ${v.getUint32(p + 4, true)}`);
  if (v.getBigUint64(p + 56, true) !== fnv64a(buf.subarray(p, p + 56))) throw new BoltFormatError('checksum error');
  return {
    pageSize: v.getUint32(p + 8, true),
    flags: v.getUint32(p + 12, true),
    rootPage: readU64(v, p + 16),
    rootSequence: v.getBigUint64(p + 24, true),
    freelistPage: v.getBigUint64(p + 32, true) === NO_FREELIST ? undefined : readU64(v, p + 32),
    highWater: readU64(v, p + 40),
    txid: v.getBigUint64(p + 48, true),
  };
}
