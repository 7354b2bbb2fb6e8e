// A member in one object, for the unit tests of the Watch, Lease, Lock and Election services' own
// protocol and encoding (watch-protocol, watch-backpressure, the *-service tests, and the client
// server's wiring): a Map-based key-value store with revisions and an event history, a watch fan-out
// that catches a paused watcher up from that history, and leases with timers whose expiry deletes
// their keys. It implements what rpc/ asks of a member (KvBackend, WatchBackend, LeaseBackend),
// nothing more, and counts what those tests look at: open watchers, and the times a sink said "no
// more now". It is no stand-in for Lodestone beside etcd: comparisons with etcd run against real
// member processes (test/support/beside-etcd.ts, test/compat/), where the fake's shortcuts would
// hide real differences.
import { EtcdError } from '../../rpc/etcd-errors.js';
import type { HeaderFields } from '../../rpc/kv-convert.js';
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { LeaseBackend, LeaseGrantResult, LeaseTimeToLiveResult } from '../../rpc/lease-backend.js';
import type { Watcher, WatchBackend, WatchSink, WatchSpec } from '../../rpc/watch-backend.js';
import type * as st from '../../store/mvcc/types.js';

const EMPTY = new Uint8Array(0);
const MAX_LEASE_TTL = 9_000_000_000;
/** Granted TTLs are raised to this (etcd's is about 2 s with its default election timeout). */
const MIN_TTL_SECONDS = 1;
/** Events handed to a sink in one call at most, when catching up (whole revisions). */
const CATCH_UP_EVENTS = 100;

const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

function inRange(key: Uint8Array, from: Uint8Array, rangeEnd: Uint8Array | undefined): boolean {
  if (rangeEnd === undefined || rangeEnd.length === 0) return Buffer.compare(key, from) === 0;
  if (Buffer.compare(key, from) < 0) return false;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return true;
  return Buffer.compare(key, rangeEnd) < 0;
}

interface Revision {
  readonly revision: number;
  readonly events: readonly st.MvccEvent[];
}

interface TestLease {
  readonly id: bigint;
  readonly grantedTtl: number;
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
  readonly keys: Set<string>;
}

class TestWatcher implements Watcher {
  nextRevision: number;
  paused = false;
  canceled = false;

  constructor(
    private readonly member: TestMember,
    readonly spec: WatchSpec,
    readonly sink: WatchSink,
    startRevision: number,
  ) {
    this.nextRevision = startRevision;
  }

  get deliveredRevision(): number {
    return this.nextRevision - 1;
  }

  resume(): void {
    this.paused = false;
    this.member.pump(this);
  }

  cancel(): void {
    this.canceled = true;
    this.member.forget(this);
  }

  wants(event: st.MvccEvent): boolean {
    if (event.type === 'put' ? this.spec.noPut : this.spec.noDelete) return false;
    return inRange(event.kv.key, this.spec.key, this.spec.rangeEnd);
  }
}

export class TestMember implements KvBackend, WatchBackend, LeaseBackend {
  revision = 1;
  compactRevision = 0;
  /** How many times a sink answered false. */
  pauses = 0;
  private readonly kvs = new Map<string, st.KeyValue>();
  private readonly history: Revision[] = [];
  private readonly watchers = new Set<TestWatcher>();
  private readonly leaseTable = new Map<bigint, TestLease>();
  private readonly keyLease = new Map<string, bigint>();
  private nextLeaseId = 0x694d_0000_0000_0001n;

  get openWatchers(): number {
    return this.watchers.size;
  }

  /** Open watchers that have not been handed every event up to the current revision. */
  watchersBehind(): number {
    return [...this.watchers].filter((w) => w.deliveredRevision < this.revision).length;
  }

  headerFields(): HeaderFields {
    return { clusterId: 0x1d, memberId: 0x2e, raftTerm: 3 };
  }

  currentRevision(): number {
    return this.revision;
  }

  // ---- KV

  async range(req: st.RangeRequest): Promise<st.RangeResponse> {
    return this.rangeNow(req);
  }

  async readTxn(req: st.TxnRequest): Promise<st.TxnResponse> {
    return (await this.write({ type: 'txn', request: req })).response;
  }

  /** Answers each write with the response of its own kind, as a member does. */
  async write<R extends st.WriteRequest>(req: R): Promise<st.ResponseFor<R>> {
    return (await this.applyWrite(req)) as st.ResponseFor<R>;
  }

  private async applyWrite(req: st.WriteRequest): Promise<st.WriteResponse> {
    switch (req.type) {
      case 'put':
      case 'deleteRange':
      case 'txn': {
        this.checkLeases(req.type === 'txn' ? [...(req.request.success ?? []), ...(req.request.failure ?? [])] : [req]);
        const changes: st.MvccEvent[] = [];
        const next = this.revision + 1;
        const response = this.applyOp({ type: req.type, request: req.request } as st.RequestOp, next, changes);
        this.commit(next, changes);
        return { type: req.type, response: { ...response.response, revision: changes.length > 0 ? next : this.revision } } as st.WriteResponse;
      }
      case 'compaction':
        this.compact(req.request.revision);
        return { type: 'compaction', response: { revision: this.revision } };
      case 'noop':
        return { type: 'noop', response: { revision: this.revision } };
      default:
        throw new Error(`the test member does not apply ${(req as { type: string }).type}`);
    }
  }

  compact(revision: number): void {
    if (revision > this.revision) throw new EtcdError('ETCD_FUTURE_REV');
    if (revision <= this.compactRevision) throw new EtcdError('ETCD_COMPACTED');
    this.compactRevision = revision;
    while (this.history.length > 0 && this.history[0]!.revision < revision) this.history.shift();
    for (const w of [...this.watchers]) this.pump(w);
  }

  private rangeNow(req: st.RangeRequest): st.RangeResponse {
    let kvs = [...this.kvs.values()].filter((kv) => inRange(kv.key, req.key, req.rangeEnd));
    const count = kvs.length;
    kvs = kvs.filter(
      (kv) =>
        (!req.minModRevision || kv.modRevision >= req.minModRevision) &&
        (!req.maxModRevision || kv.modRevision <= req.maxModRevision) &&
        (!req.minCreateRevision || kv.createRevision >= req.minCreateRevision) &&
        (!req.maxCreateRevision || kv.createRevision <= req.maxCreateRevision),
    );
    kvs.sort((a, b) => Buffer.compare(a.key, b.key));
    const target = req.sortTarget ?? 'key';
    const order = req.sortOrder ?? 'none';
    if (order !== 'none') {
      const field = (kv: st.KeyValue): number | Buffer =>
        target === 'create' ? kv.createRevision : target === 'mod' ? kv.modRevision : target === 'version' ? kv.version : Buffer.from(target === 'value' ? kv.value : kv.key);
      kvs.sort((a, b) => {
        const x = field(a);
        const y = field(b);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : Buffer.compare(x as Buffer, y as Buffer);
        return order === 'descend' ? -c : c;
      });
    }
    const limit = req.limit ?? 0;
    const more = limit > 0 && kvs.length > limit;
    if (limit > 0) kvs = kvs.slice(0, limit);
    if (req.countOnly) kvs = [];
    if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: EMPTY }));
    return { revision: this.revision, kvs, more, count };
  }

  private applyOp(op: st.RequestOp, revision: number, changes: st.MvccEvent[]): st.ResponseOp {
    switch (op.type) {
      case 'range':
        return { type: 'range', response: this.rangeNow(op.request) };
      case 'put': {
        const { key, lease = 0n, prevKv } = op.request;
        const previous = this.kvs.get(hex(key));
        if ((op.request.ignoreValue || op.request.ignoreLease) && previous === undefined) throw new EtcdError('ETCD_KEY_NOT_FOUND');
        const kv: st.KeyValue = {
          key,
          createRevision: previous?.createRevision ?? revision,
          modRevision: revision,
          version: (previous?.version ?? 0) + 1,
          value: op.request.ignoreValue ? previous!.value : (op.request.value ?? EMPTY),
          lease: op.request.ignoreLease ? previous!.lease : lease,
        };
        this.kvs.set(hex(key), kv);
        this.attach(key, kv.lease);
        changes.push({ type: 'put', kv, ...(previous ? { prevKv: previous } : {}) });
        return { type: 'put', response: { revision, ...(prevKv && previous ? { prevKv: previous } : {}) } };
      }
      case 'deleteRange': {
        const doomed = [...this.kvs.values()].filter((kv) => inRange(kv.key, op.request.key, op.request.rangeEnd));
        doomed.sort((a, b) => Buffer.compare(a.key, b.key));
        for (const previous of doomed) {
          this.kvs.delete(hex(previous.key));
          this.attach(previous.key, 0n);
          const kv: st.KeyValue = { key: previous.key, createRevision: 0, modRevision: revision, version: 0, value: EMPTY, lease: 0n };
          changes.push({ type: 'delete', kv, prevKv: previous });
        }
        return { type: 'deleteRange', response: { revision, deleted: doomed.length, prevKvs: op.request.prevKv ? doomed : [] } };
      }
      case 'txn': {
        const succeeded = (op.request.compare ?? []).every((c) => this.holds(c));
        const ops = (succeeded ? op.request.success : op.request.failure) ?? [];
        return { type: 'txn', response: { revision, succeeded, responses: ops.map((o) => this.applyOp(o, revision, changes)) } };
      }
    }
  }

  private holds(c: st.Compare): boolean {
    const targets = c.rangeEnd ? [...this.kvs.values()].filter((kv) => inRange(kv.key, c.key, c.rangeEnd)) : [this.kvs.get(hex(c.key))];
    return targets.every((kv) => {
      let diff: number;
      switch (c.target) {
        case 'version':
          diff = (kv?.version ?? 0) - c.version;
          break;
        case 'create':
          diff = (kv?.createRevision ?? 0) - c.createRevision;
          break;
        case 'mod':
          diff = (kv?.modRevision ?? 0) - c.modRevision;
          break;
        case 'lease':
          diff = Number((kv?.lease ?? 0n) - c.lease);
          break;
        case 'value':
          if (kv === undefined) return false;
          diff = Buffer.compare(kv.value, c.value);
          break;
      }
      return c.result === 'equal' ? diff === 0 : c.result === 'notEqual' ? diff !== 0 : c.result === 'greater' ? diff > 0 : diff < 0;
    });
  }

  private checkLeases(ops: readonly st.RequestOp[]): void {
    for (const op of ops) {
      if (op.type === 'put' && (op.request.lease ?? 0n) !== 0n && !this.leaseTable.has(op.request.lease!)) {
        throw new EtcdError('ETCD_LEASE_NOT_FOUND');
      }
      if (op.type === 'txn') this.checkLeases([...(op.request.success ?? []), ...(op.request.failure ?? [])]);
    }
  }

  private commit(revision: number, changes: readonly st.MvccEvent[]): void {
    if (changes.length === 0) return;
    this.revision = revision;
    this.history.push({ revision, events: changes });
    for (const w of [...this.watchers]) this.pump(w);
  }

  // ---- Watch

  watch(spec: WatchSpec, sink: WatchSink): Watcher {
    const w = new TestWatcher(this, spec, sink, spec.startRevision > 0 ? spec.startRevision : this.revision + 1);
    this.watchers.add(w);
    // Delivers history at once, inside watch(): the service must cope with that.
    this.pump(w);
    return w;
  }

  forget(w: TestWatcher): void {
    this.watchers.delete(w);
  }

  /** Hands the watcher what it has not had yet, unless it is paused. */
  pump(w: TestWatcher): void {
    if (w.canceled || w.paused) return;
    if (w.nextRevision < this.compactRevision) {
      w.canceled = true;
      this.forget(w);
      w.sink.onCompacted(this.compactRevision);
      return;
    }
    while (!w.canceled && !w.paused && w.nextRevision <= this.revision) {
      const batch: st.MvccEvent[] = [];
      let through = this.revision;
      for (let i = this.firstAtOrAfter(w.nextRevision); i < this.history.length; i++) {
        const entry = this.history[i]!;
        if (batch.length >= CATCH_UP_EVENTS) {
          through = entry.revision - 1;
          break;
        }
        batch.push(...entry.events.filter((e) => w.wants(e)));
      }
      w.nextRevision = through + 1;
      if (batch.length > 0 && !w.sink.onEvents(batch, through)) {
        w.paused = true;
        this.pauses++;
      }
    }
  }

  /** The index of the first history entry at or after `revision` (binary search). */
  private firstAtOrAfter(revision: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.revision < revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---- Leases

  async grant(id: bigint, ttl: number): Promise<LeaseGrantResult> {
    if (ttl > MAX_LEASE_TTL) throw new EtcdError('ETCD_LEASE_TTL_TOO_LARGE');
    let chosen = id;
    if (chosen === 0n) {
      while (this.leaseTable.has(this.nextLeaseId)) this.nextLeaseId++;
      chosen = this.nextLeaseId++;
    } else if (this.leaseTable.has(chosen)) {
      throw new EtcdError('ETCD_LEASE_EXIST');
    }
    const grantedTtl = Math.max(ttl, MIN_TTL_SECONDS);
    const lease: TestLease = { id: chosen, grantedTtl, expiresAt: 0, timer: undefined, keys: new Set() };
    this.leaseTable.set(chosen, lease);
    this.renew(lease);
    return { id: chosen, ttl: grantedTtl, revision: this.revision };
  }

  async revoke(id: bigint): Promise<{ readonly revision: number }> {
    const lease = this.leaseTable.get(id);
    if (lease === undefined) throw new EtcdError('ETCD_LEASE_NOT_FOUND');
    clearTimeout(lease.timer);
    this.leaseTable.delete(id);
    // Every key of the lease goes in one revision.
    const keys = [...lease.keys].map((k) => Buffer.from(k, 'hex'));
    const changes: st.MvccEvent[] = [];
    const next = this.revision + 1;
    for (const key of keys) this.applyOp({ type: 'deleteRange', request: { key } }, next, changes);
    this.commit(next, changes);
    return { revision: this.revision };
  }

  async keepAlive(id: bigint): Promise<{ readonly ttl: number; readonly revision: number }> {
    const lease = this.leaseTable.get(id);
    if (lease === undefined) return { ttl: 0, revision: this.revision };
    this.renew(lease);
    return { ttl: lease.grantedTtl, revision: this.revision };
  }

  async timeToLive(id: bigint, withKeys: boolean): Promise<LeaseTimeToLiveResult> {
    const lease = this.leaseTable.get(id);
    if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [], revision: this.revision };
    const ttl = Math.max(0, Math.floor((lease.expiresAt - Date.now()) / 1000));
    const keys = withKeys ? [...lease.keys].map((k) => new Uint8Array(Buffer.from(k, 'hex'))) : [];
    return { id, ttl, grantedTtl: lease.grantedTtl, keys, revision: this.revision };
  }

  async leases(): Promise<{ readonly ids: readonly bigint[]; readonly revision: number }> {
    return { ids: [...this.leaseTable.keys()], revision: this.revision };
  }

  hasLease(id: bigint): boolean {
    return this.leaseTable.has(id);
  }

  /** Stops the lease timers and the watchers. */
  close(): void {
    for (const lease of this.leaseTable.values()) clearTimeout(lease.timer);
    for (const w of this.watchers) w.canceled = true;
    this.watchers.clear();
  }

  private renew(lease: TestLease): void {
    clearTimeout(lease.timer);
    lease.expiresAt = Date.now() + lease.grantedTtl * 1000;
    lease.timer = setTimeout(() => void this.revoke(lease.id).catch(() => undefined), lease.grantedTtl * 1000);
    lease.timer.unref();
  }

  private attach(key: Uint8Array, lease: bigint): void {
    const k = hex(key);
    const before = this.keyLease.get(k);
    if (before !== undefined) this.leaseTable.get(before)?.keys.delete(k);
    if (lease === 0n) {
      this.keyLease.delete(k);
      return;
    }
    this.keyLease.set(k, lease);
    this.leaseTable.get(lease)?.keys.add(k);
  }
}
