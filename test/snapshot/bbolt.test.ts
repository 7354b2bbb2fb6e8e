// The bbolt writer and reader: each page type on its own (meta with its checksum, freelist, leaf,
// branch, overflow, inline bucket), then round trips of generated content through both.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoltFormatError, fnv64a, PAGE_FLAGS, readMetaPage, readPageHeader, view, writeMetaPage } from '../../store/bbolt/format.js';
import { BoltReader } from '../../store/bbolt/reader.js';
import { writeBoltFile, type BoltBucket } from '../../store/bbolt/writer.js';

const PAGE = 4096;
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
const text = (b: Uint8Array): string => Buffer.from(b).toString();

function entries(n: number, valueBytes: number, prefix = 'k'): { key: Uint8Array; value: Uint8Array }[] {
  return Array.from({ length: n }, (_, i) => ({ key: bytes(`${prefix}${String(i).padStart(6, '0')}`), value: new Uint8Array(valueBytes).fill(i % 251) }));
}

function pageAt(file: Uint8Array, id: number) {
  return readPageHeader(view(file), id * PAGE);
}

describe('bbolt pages', () => {
  it('FNV-64a matches its published test vectors', () => {
    expect(fnv64a(new Uint8Array(0))).toBe(0xcbf29ce484222325n);
    expect(fnv64a(bytes('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv64a(bytes('foobar'))).toBe(0x85944171f73967e8n);
  });

  it('a meta page round-trips and a flipped byte fails its checksum', () => {
    const buf = new Uint8Array(PAGE);
    const meta = { pageSize: PAGE, flags: 0, rootPage: 7, rootSequence: 3n, freelistPage: 2, highWater: 9, txid: 42n };
    writeMetaPage(buf, 0, 1, meta);
    expect(readMetaPage(buf, 0)).toEqual(meta);
    expect(pageAt(buf, 0)).toEqual({ id: 1, flags: PAGE_FLAGS.meta, count: 0, overflow: 0 });
    buf[16 + 20] ^= 1;
    expect(() => readMetaPage(buf, 0)).toThrow(/checksum/);
  });

  it('the reader takes the newer valid meta, and the older one when the newer is damaged', () => {
    const file = writeBoltFile([{ name: bytes('b'), entries: entries(3, 4) }]);
    expect(BoltReader.open(file).meta.txid).toBe(2n);
    const damaged = file.slice();
    damaged[PAGE + 16 + 8] ^= 0xff;
    expect(BoltReader.open(damaged).meta.txid).toBe(1n);
    const both = damaged.slice();
    both[16] ^= 0xff;
    expect(() => BoltReader.open(both)).toThrow(BoltFormatError);
  });

  it('a fresh file has an empty freelist page and no page left unaccounted for', () => {
    const file = writeBoltFile([{ name: bytes('big'), entries: entries(500, 100) }]);
    const reader = BoltReader.open(file);
    expect(pageAt(file, reader.meta.freelistPage!)).toMatchObject({ flags: PAGE_FLAGS.freelist, count: 0 });
    expect(reader.freePages()).toEqual([]);
    expect(reader.checkPages()).toEqual([]);
    expect(file.length).toBe(reader.meta.highWater * PAGE);
  });

  it('a small bucket is inline in its parent leaf; a larger one gets its own leaf page', () => {
    const file = writeBoltFile([
      { name: bytes('small'), entries: entries(3, 10) },
      { name: bytes('page'), entries: entries(20, 100) },
    ]);
    const reader = BoltReader.open(file);
    const root = pageAt(file, reader.meta.rootPage);
    expect(root).toMatchObject({ flags: PAGE_FLAGS.leaf, count: 2 });
    // Data pages are the root leaf and the one leaf of `page`: `small` lives inside the root.
    expect(reader.meta.highWater).toBe(5);
    expect(reader.bucket(bytes('small'))!.map((e) => text(e.key))).toEqual(['k000000', 'k000001', 'k000002']);
    expect(reader.bucket(bytes('page'))).toHaveLength(20);
    expect(reader.bucket(bytes('none'))).toBeUndefined();
  });

  it('many entries make leaves under a branch page, in key order', () => {
    const file = writeBoltFile([{ name: bytes('tree'), entries: entries(2000, 50) }]);
    const reader = BoltReader.open(file);
    const flags = Array.from({ length: reader.meta.highWater - 3 }, (_, i) => pageAt(file, i + 3).flags);
    expect(flags.filter((f) => f === PAGE_FLAGS.branch).length).toBeGreaterThan(0);
    const keys = reader.bucket(bytes('tree'))!.map((e) => text(e.key));
    expect(keys).toEqual(entries(2000, 0).map((e) => text(e.key)));
    expect(reader.checkPages()).toEqual([]);
  });

  it('a value larger than a page spills into overflow pages', () => {
    const big = new Uint8Array(3 * PAGE + 123).map((_, i) => i % 256);
    const file = writeBoltFile([{ name: bytes('o'), entries: [...entries(10, 300), { key: bytes('z'), value: big }] }]);
    const reader = BoltReader.open(file);
    // Walk the data pages as bbolt lays them out: a page and its overflow, then the next page.
    const overflows: number[] = [];
    for (let id = 3; id < reader.meta.highWater; ) {
      const h = pageAt(file, id);
      overflows.push(h.overflow);
      id += h.overflow + 1;
    }
    expect(Math.max(...overflows)).toBe(3);
    expect(reader.bucket(bytes('o'))!.at(-1)!.value).toEqual(big);
    expect(reader.checkPages()).toEqual([]);
  });

  it('checkPages reports a page nobody references, as bbolt check does', () => {
    const file = writeBoltFile([{ name: bytes('b'), entries: entries(100, 100) }]);
    const reader = BoltReader.open(file);
    // One more page past the tree: bump the high-water mark in both metas.
    const grown = new Uint8Array(file.length + PAGE);
    grown.set(file);
    for (const id of [0, 1]) writeMetaPage(grown, id * PAGE, id, { ...reader.meta, highWater: reader.meta.highWater + 1, txid: BigInt(id + 1) });
    expect(BoltReader.open(grown).checkPages()).toEqual([`page ${reader.meta.highWater}: unreachable unfreed`]);
  });

  it('refuses unsorted or duplicate keys', () => {
    expect(() => writeBoltFile([{ name: bytes('b'), entries: [...entries(2, 1)].reverse() }])).toThrow(BoltFormatError);
    expect(() => writeBoltFile([{ name: bytes('b'), entries: [] }, { name: bytes('b'), entries: [] }])).toThrow(BoltFormatError);
  });
});

describe('bbolt round trips', () => {
  const bucketArb = fc
    .tuple(
      fc.uint8Array({ minLength: 1, maxLength: 20 }),
      fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 6000 })), { maxLength: 80 }),
    )
    .map(([name, kvs]) => {
      const byKey = new Map(kvs.map(([k, v]) => [Buffer.from(k).toString('hex'), { key: k, value: v }]));
      const sorted = [...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key));
      return { name, entries: sorted } satisfies BoltBucket;
    });

  it('whatever is written reads back the same, with every page accounted for', () => {
    fc.assert(
      fc.property(fc.uniqueArray(bucketArb, { selector: (b) => Buffer.from(b.name).toString('hex'), maxLength: 6 }), (buckets) => {
        const reader = BoltReader.open(writeBoltFile(buckets));
        const read = [...reader.buckets()].map((b) => ({ name: b.name, entries: [...b.entries].map((e) => ({ key: e.key, value: e.value })) }));
        const expected = [...buckets].sort((a, b) => Buffer.compare(a.name, b.name)).map((b) => ({ name: b.name, entries: b.entries }));
        expect(read.map((b) => ({ name: Buffer.from(b.name), entries: b.entries.map((e) => [Buffer.from(e.key), Buffer.from(e.value)]) }))).toEqual(
          expected.map((b) => ({ name: Buffer.from(b.name), entries: b.entries.map((e) => [Buffer.from(e.key), Buffer.from(e.value)]) })),
        );
        expect(reader.checkPages()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
