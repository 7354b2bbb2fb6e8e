// Reads a bbolt file as any bbolt writer leaves it (etcd's included): picks the newer valid meta,
// walks the root bucket's tree and each bucket's (inline, or branch and leaf pages with overflow),
// and can list pages that are neither reachable nor free, as bbolt's consistency check does.
import {
  BoltFormatError,
  BUCKET_HEADER_SIZE,
  BUCKET_LEAF_FLAG,
  DEFAULT_PAGE_SIZE,
  ELEMENT_SIZE,
  FREELIST_COUNT_OVERFLOW,
  PAGE_FLAGS,
  PAGE_HEADER_SIZE,
  readMetaPage,
  readPageHeader,
  readU64,
  view,
  type Meta,
} from './format.js';

export interface BoltReadEntry {
  readonly key: Uint8Array;
  /** For a nested bucket, its header and inline page (see `bucket`). */
  readonly value: Uint8Array;
  readonly isBucket: boolean;
}

/** Where a bucket's content is: a page of the file, or a page inline in its parent's value. */
type BucketRoot = { readonly page: number } | { readonly inline: Uint8Array };

export class BoltReader {
  private constructor(
    private readonly file: Uint8Array,
    readonly meta: Meta,
  ) {}

  /** Validates the metas and picks the newer of the valid ones, as bbolt does on open. */
  static open(file: Uint8Array): BoltReader {
    const first = tryMeta(file, 0);
    const pageSize = first instanceof Error ? guessPageSize(file) : first.pageSize;
    const second = tryMeta(file, pageSize);
    const valid = [first, second].filter((m): m is Meta => !(m instanceof Error));
    if (valid.length === 0) throw first instanceof Error ? first : new BoltFormatError('no valid meta page');
    const meta = valid.reduce((a, b) => (b.txid > a.txid ? b : a));
    if (file.length < meta.highWater * meta.pageSize) {
      throw new BoltFormatError(`file is ${file.length} bytes, its meta says ${meta.highWater} pages of ${meta.pageSize}`);
    }
    return new BoltReader(file, meta);
  }

  /** The database's size as bbolt reports it (tx.Size()): pages in use times the page size. */
  get size(): number {
    return this.meta.highWater * this.meta.pageSize;
  }

  /** Names of the top-level buckets, in order. */
  bucketNames(): Uint8Array[] {
    return [...this.entriesOf({ page: this.meta.rootPage })].filter((e) => e.isBucket).map((e) => e.key);
  }

  /** The entries of a top-level bucket in key order, or undefined if there is none so named. */
  bucket(name: Uint8Array): BoltReadEntry[] | undefined {
    for (const e of this.entriesOf({ page: this.meta.rootPage })) {
      if (e.isBucket && Buffer.compare(e.key, name) === 0) return [...this.entriesOf(this.rootOf(e.value))];
    }
    return undefined;
  }

  /** Every top-level bucket with its entries, in order. */
  *buckets(): Generator<{ name: Uint8Array; entries: Generator<BoltReadEntry> }> {
    for (const e of this.entriesOf({ page: this.meta.rootPage })) {
      if (e.isBucket) yield { name: e.key, entries: this.entriesOf(this.rootOf(e.value)) };
    }
  }

  /** A nested bucket's entries, from its entry in the parent. */
  nested(entry: BoltReadEntry): Generator<BoltReadEntry> {
    if (!entry.isBucket) throw new BoltFormatError('not a bucket');
    return this.entriesOf(this.rootOf(entry.value));
  }

  /**
   * Problems bbolt's check (tx.Check) would report about page accounting: pages referenced twice,
   * beyond the high-water mark, or neither reachable nor free. Empty for a sound file.
   */
  checkPages(): string[] {
    const problems: string[] = [];
    const seen = new Map<number, string>();
    const mark = (id: number, overflow: number, what: string): void => {
      for (let p = id; p <= id + overflow; p++) {
        if (p >= this.meta.highWater) problems.push(`page ${p}: out of bounds: ${this.meta.highWater} (${what})`);
        else if (seen.has(p)) problems.push(`page ${p}: multiple references (${what}, ${seen.get(p)})`);
        else seen.set(p, what);
      }
    };
    mark(0, 0, 'meta');
    mark(1, 0, 'meta');
    const freelist = this.meta.freelistPage;
    if (freelist !== undefined) {
      mark(freelist, this.header(freelist).overflow, 'freelist');
      for (const id of this.freePages()) mark(id, 0, 'free');
    }
    const walk = (page: number): void => {
      const h = this.header(page);
      mark(page, h.overflow, 'tree');
      if (h.flags & PAGE_FLAGS.branch) {
        for (let i = 0; i < h.count; i++) walk(this.branchChild(page, i));
      } else {
        for (const e of this.leafEntries(this.pageBytes(page))) {
          if (!e.isBucket) continue;
          const root = this.rootOf(e.value);
          if ('page' in root) walk(root.page);
        }
      }
    };
    walk(this.meta.rootPage);
    // Without a kept freelist, bbolt rebuilds it from the pages unreached: none is lost.
    if (freelist === undefined) return problems;
    for (let p = 0; p < this.meta.highWater; p++) if (!seen.has(p)) problems.push(`page ${p}: unreachable unfreed`);
    return problems;
  }

  /** The page ids the freelist lists. */
  freePages(): number[] {
    if (this.meta.freelistPage === undefined) return [];
    const at = this.meta.freelistPage * this.meta.pageSize;
    const v = view(this.file);
    const h = readPageHeader(v, at);
    if ((h.flags & PAGE_FLAGS.freelist) === 0) throw new BoltFormatError(`page ${this.meta.freelistPage} is not a freelist`);
    let count = h.count;
    let first = at + PAGE_HEADER_SIZE;
    if (count === FREELIST_COUNT_OVERFLOW) {
      count = readU64(v, first);
      first += 8;
    }
    return Array.from({ length: count }, (_, i) => readU64(v, first + i * 8));
  }

  private rootOf(bucketValue: Uint8Array): BucketRoot {
    if (bucketValue.length < BUCKET_HEADER_SIZE) throw new BoltFormatError('bucket value shorter than its header');
    const page = readU64(view(bucketValue), 0);
    return page === 0 ? { inline: bucketValue.subarray(BUCKET_HEADER_SIZE) } : { page };
  }

  private *entriesOf(root: BucketRoot): Generator<BoltReadEntry> {
    if ('inline' in root) {
      yield* this.leafEntries(root.inline);
      return;
    }
    const h = this.header(root.page);
    if (h.flags & PAGE_FLAGS.branch) {
      for (let i = 0; i < h.count; i++) yield* this.entriesOf({ page: this.branchChild(root.page, i) });
    } else if (h.flags & PAGE_FLAGS.leaf) {
      yield* this.leafEntries(this.pageBytes(root.page));
    } else {
      throw new BoltFormatError(`page ${root.page}: expected a branch or leaf page, flags ${h.flags}`);
    }
  }

  /** The elements of a leaf page given as its bytes (header first). */
  private *leafEntries(page: Uint8Array): Generator<BoltReadEntry> {
    const v = view(page);
    const h = readPageHeader(v, 0);
    if ((h.flags & PAGE_FLAGS.leaf) === 0) throw new BoltFormatError(`page ${h.id}: expected a leaf page, flags ${h.flags}`);
    for (let i = 0; i < h.count; i++) {
      const el = PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
      const flags = v.getUint32(el, true);
      const at = el + v.getUint32(el + 4, true);
      const ks = v.getUint32(el + 8, true);
      const vs = v.getUint32(el + 12, true);
      if (at + ks + vs > page.length) throw new BoltFormatError(`page ${h.id}: element ${i} runs past the page`);
      yield { key: page.subarray(at, at + ks), value: page.subarray(at + ks, at + ks + vs), isBucket: (flags & BUCKET_LEAF_FLAG) !== 0 };
    }
  }

  private branchChild(page: number, i: number): number {
    const at = page * this.meta.pageSize + PAGE_HEADER_SIZE + i * ELEMENT_SIZE;
    return readU64(view(this.file), at + 8);
  }

  private header(page: number) {
    if (page < 2 || page >= this.meta.highWater) throw new BoltFormatError(`page ${page} out of bounds (high water ${this.meta.highWater})`);
    const h = readPageHeader(view(this.file), page * this.meta.pageSize);
    if (h.id !== page) throw new BoltFormatError(`page ${page}: header says it is page ${h.id}`);
    return h;
  }

  /** A page with its overflow pages. */
  private pageBytes(page: number): Uint8Array {
    const h = this.header(page);
    const start = page * this.meta.pageSize;
    return this.file.subarray(start, start + (h.overflow + 1) * this.meta.pageSize);
  }
}

function tryMeta(file: Uint8Array, at: number): Meta | Error {
  try {
    return readMetaPage(file, at);
  } catch (e) {
    return e instanceof Error ? e : new BoltFormatError(String(e));
  }
}

/** Meta 0 is damaged: the page size it would have told is guessed as bbolt's default. */
function guessPageSize(file: Uint8Array): number {
  return file.length >= 2 * DEFAULT_PAGE_SIZE ? DEFAULT_PAGE_SIZE : 0;
}
