// An MvccStore in a temporary directory, fed one raft entry per write, with string-keyed helpers.
import { openStoreDb, type StoreDb } from '../../../store/db.js';
import { MvccStore, type ApplyOptions, type MvccOptions } from '../../../store/mvcc/mvcc-store.js';
import type {
  DeleteRangeRequest,
  KeyValue,
  MvccEvent,
  PutRequest,
  RangeRequest,
  TxnRequest,
  WriteRequest,
  WriteResponse,
} from '../../../store/mvcc/types.js';
import { makeTempDir, removeDir } from './temp-dir.js';

/** Bytes of a string, one byte per char (so '\xff' is the byte 0xff). */
export const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const str = (u: Uint8Array): string => Buffer.from(u).toString('latin1');

/** A kv with its bytes shown as strings, for readable expectations. */
export function show(kv: KeyValue) {
  return {
    key: str(kv.key),
    value: str(kv.value),
    create: kv.createRevision,
    mod: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

export class MvccHarness {
  lastEvents: readonly MvccEvent[] = [];

  private constructor(
    readonly dir: string,
    public db: StoreDb,
    public store: MvccStore,
    private readonly options: MvccOptions,
  ) {}

  static async create(options: MvccOptions = {}): Promise<MvccHarness> {
    const dir = await makeTempDir('mvcc');
    const db = await openStoreDb(dir);
    return new MvccHarness(dir, db, await MvccStore.open(db, options), options);
  }

  /** Applies one request as the next raft entry; throws the request's error if it failed. */
  async write(request: WriteRequest, options?: ApplyOptions): Promise<WriteResponse> {
    const [outcome] = await this.store.applyBatch([{ index: this.store.appliedIndex + 1, request }], options);
    if (outcome!.status === 'failed') throw outcome!.error;
    if (outcome!.status !== 'applied') throw new Error(`entry was ${outcome!.status}`);
    this.lastEvents = outcome!.events;
    return outcome!.response;
  }

  async put(key: string, value: string, extra: Partial<PutRequest> = {}) {
    const r = await this.write({ type: 'put', request: { key: b(key), value: b(value), ...extra } });
    if (r.type !== 'put') throw new Error('unexpected response');
    return r.response;
  }

  async del(key: string, rangeEnd?: string | Uint8Array, extra: Partial<DeleteRangeRequest> = {}) {
    const end = typeof rangeEnd === 'string' ? b(rangeEnd) : rangeEnd;
    const r = await this.write({ type: 'deleteRange', request: { key: b(key), ...(end ? { rangeEnd: end } : {}), ...extra } });
    if (r.type !== 'deleteRange') throw new Error('unexpected response');
    return r.response;
  }

  async txn(request: TxnRequest) {
    const r = await this.write({ type: 'txn', request });
    if (r.type !== 'txn') throw new Error('unexpected response');
    return r.response;
  }

  async grant(id: bigint, ttl = 60) {
    const r = await this.write({ type: 'leaseGrant', request: { id, ttl } });
    if (r.type !== 'leaseGrant') throw new Error('unexpected response');
    return r.response;
  }

  async revoke(id: bigint) {
    const r = await this.write({ type: 'leaseRevoke', request: { id } });
    if (r.type !== 'leaseRevoke') throw new Error('unexpected response');
    return r.response;
  }

  async compact(revision: number) {
    return this.write({ type: 'compaction', request: { revision } });
  }

  range(request: RangeRequest) {
    return this.store.range(request);
  }

  /** Keys and values of a range, as strings. */
  async get(key: string, rangeEnd?: string | Uint8Array, extra: Partial<RangeRequest> = {}): Promise<string[]> {
    const end = typeof rangeEnd === 'string' ? b(rangeEnd) : rangeEnd;
    const r = await this.store.range({ key: b(key), ...(end ? { rangeEnd: end } : {}), ...extra });
    return r.kvs.map((kv) => `${str(kv.key)}=${str(kv.value)}`);
  }

  /**
   * Closes and opens the store again. `crash` skips the store's own close (and so its index
   * checkpoint), as a killed process would; `beforeOpen` sees the database as the store will.
   */
  async reopen(options: { crash?: boolean; beforeOpen?: (db: StoreDb) => Promise<void> } = {}): Promise<void> {
    if (!options.crash) await this.store.close();
    await this.db.close();
    this.db = await openStoreDb(this.dir);
    await options.beforeOpen?.(this.db);
    this.store = await MvccStore.open(this.db, this.options);
  }

  /** Back to an empty store in the same directory. */
  async reset(): Promise<void> {
    await this.store.close();
    await this.db.clear();
    this.store = await MvccStore.open(this.db, this.options);
  }

  async destroy(): Promise<void> {
    await this.store.close().catch(() => undefined);
    await this.db.close();
    await removeDir(this.dir);
  }
}
