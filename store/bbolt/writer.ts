// Writes a fresh, compact bbolt file from sorted content: every page in use, none free. Buckets
// small enough are stored inline in their parent's leaf (as bbolt does under a quarter page);
// others get a tree of leaf pages under branch pages, a page spilling over into overflow pages
// when one element is larger than a page.
import {
  BoltFormatError,
  BUCKET_HEADER_SIZE,
  BUCKET_LEAF_FLAG,
  DEFAULT_PAGE_SIZE,
  ELEMENT_SIZE,
  PAGE_FLAGS,
  PAGE_HEADER_SIZE,
  view,
  writeMetaPage,
  writePageHeader,
  writeU64,
} from './format.js';

export interface BoltEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface BoltBucket {
  readonly name: Uint8Array;
  /** Sorted by key (bytewise), no duplicates. */
  readonly entries: readonly BoltEntry[];
}

interface Element extends BoltEntry {
  readonly flags: number;
}

/** Pages 0 and 1 are the metas, 2 the (empty) freelist; data starts after them. */
const FIRST_DATA_PAGE = 3;
const FREELIST_PAGE = 2;

class PageSink {
  private next = FIRST_DATA_PAGE;
  readonly pages: { id: number; bytes: Uint8Array }[] = [];

  constructor(readonly pageSize: number) {}

  /** A zeroed buffer of whole pages for `bytes` bytes, and the id of its first page. */
  allocate(bytes: number): { id: number; buf: Uint8Array; overflow: number } {
    const count = Math.ceil(bytes / this.pageSize);
    const id = this.next;
    this.next += count;
    const buf = new Uint8Array(count * this.pageSize);
    this.pages.push({ id, bytes: buf });
    return { id, buf, overflow: count - 1 };
  }

  get highWater(): number {
    return this.next;
  }
}

function leafSize(elements: readonly Element[]): number {
  let size = PAGE_HEADER_SIZE;
  for (const e of elements) size += ELEMENT_SIZE + e.key.length + e.value.length;
  return size;
}

/** Lays out a leaf page (its header's id is left to the caller) into `buf` at `at`. */
function fillLeaf(buf: Uint8Array, at: number, id: number, overflow: number, elements: readonly Element[]): void {
  const v = view(buf);
  writePageHeader(v, at, { id, flags: PAGE_FLAGS.leaf, count: elements.length, overflow });
  let data = at + PAGE_HEADER_SIZE + elements.length * ELEMENT_SIZE;
  elements.forEach((e, i) => {
    const el = at + PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
    v.setUint32(el, e.flags, true);
    v.setUint32(el + 4, data - el, true);
    v.setUint32(el + 8, e.key.length, true);
    v.setUint32(el + 12, e.value.length, true);
    buf.set(e.key, data);
    buf.set(e.value, data + e.key.length);
    data += e.key.length + e.value.length;
  });
}

interface Child {
  readonly firstKey: Uint8Array;
  readonly page: number;
}

/** Writes the elements as a tree; returns its root page. */
function writeTree(sink: PageSink, elements: readonly Element[]): number {
  let level: Child[] = [];
  let start = 0;
  while (start < elements.length || level.length === 0) {
    // As many elements as fit one page; at least one, which may overflow.
    let end = start;
    let size = PAGE_HEADER_SIZE;
    while (end < elements.length) {
      const add = ELEMENT_SIZE + elements[end]!.key.length + elements[end]!.value.length;
      if (end > start && size + add > sink.pageSize) break;
      size += add;
      end++;
    }
    const slice = elements.slice(start, end);
    const page = sink.allocate(size);
    fillLeaf(page.buf, 0, page.id, page.overflow, slice);
    level.push({ firstKey: slice[0]?.key ?? new Uint8Array(0), page: page.id });
    start = end;
    if (elements.length === 0) break;
  }
  while (level.length > 1) level = writeBranches(sink, level);
  return level[0]!.page;
}

function writeBranches(sink: PageSink, children: readonly Child[]): Child[] {
  const parents: Child[] = [];
  let start = 0;
  while (start < children.length) {
    let end = start;
    let size = PAGE_HEADER_SIZE;
    while (end < children.length) {
      const add = ELEMENT_SIZE + children[end]!.firstKey.length;
      // Two children at least, so that each level shrinks.
      if (end - start >= 2 && size + add > sink.pageSize) break;
      size += add;
      end++;
    }
    const slice = children.slice(start, end);
    const page = sink.allocate(size);
    const v = view(page.buf);
    writePageHeader(v, 0, { id: page.id, flags: PAGE_FLAGS.branch, count: slice.length, overflow: page.overflow });
    let data = PAGE_HEADER_SIZE + slice.length * ELEMENT_SIZE;
    slice.forEach((c, i) => {
      const el = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
      v.setUint32(el, data - el, true);
      v.setUint32(el + 4, c.firstKey.length, true);
      writeU64(v, el + 8, c.page);
      page.buf.set(c.firstKey, data);
      data += c.firstKey.length;
    });
    parents.push({ firstKey: slice[0]!.firstKey, page: page.id });
    start = end;
  }
  return parents;
}

/** A bucket's value in its parent: its header, and its page inline when small enough. */
function bucketValue(sink: PageSink, entries: readonly BoltEntry[]): Uint8Array {
  const elements = entries.map((e) => ({ ...e, flags: 0 }));
  const size = leafSize(elements);
  if (size <= sink.pageSize / 4) {
    // Inline: root page 0, the leaf page right after the header.
    const out = new Uint8Array(BUCKET_HEADER_SIZE + size);
    fillLeaf(out, BUCKET_HEADER_SIZE, 0, 0, elements);
    return out;
  }
  const out = new Uint8Array(BUCKET_HEADER_SIZE);
  writeU64(view(out), 0, writeTree(sink, elements));
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function checkSorted(what: string, keys: readonly Uint8Array[]): void {
  for (let i = 1; i < keys.length; i++) {
    if (compareBytes(keys[i - 1]!, keys[i]!) >= 0) throw new BoltFormatError(`${what}: keys not sorted or duplicated at ${i}`);
  }
}

/** The bytes of a bbolt file holding these buckets (in any order; their entries sorted). */
export function writeBoltFile(buckets: readonly BoltBucket[], options: { pageSize?: number } = {}): Uint8Array {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const sink = new PageSink(pageSize);
  const sorted = [...buckets].sort((a, b) => compareBytes(a.name, b.name));
  checkSorted('bucket names', sorted.map((b) => b.name));
  const rootElements: Element[] = sorted.map((b) => {
    checkSorted(`bucket ${Buffer.from(b.name).toString()}`, b.entries.map((e) => e.key));
    return { key: b.name, value: bucketValue(sink, b.entries), flags: BUCKET_LEAF_FLAG };
  });
  const rootPage = writeTree(sink, rootElements);
  const highWater = sink.highWater;
  const file = new Uint8Array(highWater * pageSize);
  for (const p of sink.pages) file.set(p.bytes, p.id * pageSize);
  writePageHeader(view(file), FREELIST_PAGE * pageSize, { id: FREELIST_PAGE, flags: PAGE_FLAGS.freelist, count: 0, overflow: 0 });
  // Two metas of consecutive transactions over the same tree, as a fresh bbolt file has.
  for (const id of [0, 1]) {
    writeMetaPage(file, id * pageSize, id, { pageSize, flags: 0, rootPage, rootSequence: 0n, freelistPage: FREELIST_PAGE, highWater, txid: BigInt(id + 1) });
  }
  return file;
}
