// One ZooKeeper write (or a multi's ops, in order) planned as a single etcd txn. Each op is checked
// against the znodes as read plus the earlier ops' effects, in ZooKeeper's order of checks
// (PrepRequestProcessor); every key read that a decision rests on becomes a compare, so the txn
// commits only if nothing it read has moved since (an optimistic transaction; the caller retries).
//
// Concurrent creates under one parent do not conflict: they compare only the parent's data and meta
// keys (which a child create leaves alone) and put the parent's cversion key blindly, keeping its value.
// A delete does not count in the stored cversion (as in ZooKeeper, where only creates do) but moves
// pzxid, so it puts the cversion key with a value that cancels the version's step, guarded.
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { Compare, RequestOp, TxnRequest } from '../../store/mvcc/types.js';
import { childKey, cversionKey, dataKey, metaKey, type ZNodeMeta } from '../layout.js';
import { checkAcl, fixupAcl } from './acl.js';
import { modeTraits, validateTtl } from './create-mode.js';
import { ZkTreeError } from './errors.js';
import { nameOf, parentOf, SPECIAL_PATHS, validatePath } from './paths.js';
import type { CreateMode, ZAcl, ZkCaller } from './types.js';
import { PERMS } from './types.js';
import { countChildren, encodeCversionOffset, encodeMeta, PENDING, readZNode, type ZNodeState } from './znode-state.js';

/** ZooKeeper's default jute.maxbuffer: larger data is refused (BadArguments) instead of closing the connection. */
export const MAX_DATA_BYTES = 1024 * 1024;

const EMPTY = new Uint8Array(0);

type KeyOp = { readonly put: true; readonly key: Uint8Array; readonly value: Uint8Array; readonly lease: bigint } | { readonly put: false; readonly key: Uint8Array };

const keyId = (key: Uint8Array): string => Buffer.from(key).toString('latin1');

export class WritePlan {
  /** The znodes as this plan sees them: read once from the store, then changed by each op. */
  private readonly nodes = new Map<string, ZNodeState | null>();
  private readonly compares: Compare[] = [];
  private readonly guardedCversions = new Set<string>();
  /** One op per key: etcd refuses a txn that writes a key twice, so a later op's write replaces an earlier one. */
  private readonly keyOps = new Map<string, KeyOp>();
  /** Children created or deleted under each znode by this plan, and how many of those were creates. */
  private readonly childChanges = new Map<string, { all: number; creates: number }>();
  /** The data key's etcd version of each znode as read, kept after a delete should the plan create it again. */
  private readonly dataKeyVersions = new Map<string, number>();
  /** Znodes whose data key this plan puts, and whose meta key it puts (built when the txn is). */
  private readonly dataWritten = new Set<string>();
  private readonly metaWritten = new Set<string>();
  /** The cversion key's etcd version of znodes this plan deleted, should the plan create them again. */
  private readonly deletedCversionKeyVersions = new Map<string, number>();
  /** Znodes read without counting their children (numChildren 0 until count()). */
  private readonly uncounted = new Set<string>();

  constructor(
    private readonly kv: KvBackend,
    private readonly caller: ZkCaller,
    private readonly now: number,
  ) {}

  /** Whether the plan depends on anything it read (a refusal that rests on no read needs no confirming). */
  get readsState(): boolean {
    return this.compares.length > 0;
  }

  /**
   * The znode at `path` as this plan sees it, null if absent; the first read of it adds its compares.
   * `counted` false: its numChildren is not needed (a parent a child is created or deleted under).
   */
  async node(path: string, counted = true): Promise<ZNodeState | null> {
    const known = this.nodes.get(path);
    if (known !== undefined) return known !== null && counted && this.uncounted.has(path) ? this.count(known) : known;
    const { state } = await readZNode(this.kv, path, { uncounted: !counted });
    if (state !== null && !counted) this.uncounted.add(path);
    if (state?.stored === undefined) {
      this.compares.push({ key: dataKey(path), target: 'create', createRevision: 0, result: 'equal' });
    } else {
      this.compares.push({ key: dataKey(path), target: 'mod', modRevision: state.stored.dataMod, result: 'equal' });
      this.compares.push({ key: metaKey(path), target: 'mod', modRevision: state.stored.metaMod, result: 'equal' });
      this.dataKeyVersions.set(path, state.stored.dataKeyVersion);
    }
    this.nodes.set(path, state);
    return state;
  }

  /** A znode read uncounted, with its children counted now: the stored ones and this plan's own. */
  private async count(s: ZNodeState): Promise<ZNodeState> {
    const stored = await countChildren(this.kv, s.path);
    const own = this.childChanges.get(s.path);
    const counted = { ...s, numChildren: stored + (own ? 2 * own.creates - own.all : 0) };
    this.uncounted.delete(s.path);
    this.nodes.set(s.path, counted);
    return counted;
  }

  private putData(s: ZNodeState): void {
    this.put(dataKey(s.path), s.data, s.lease);
    this.dataWritten.add(s.path);
    this.putMeta(s);
  }

  private putMeta(s: ZNodeState): void {
    this.keyOps.delete(keyId(metaKey(s.path)));
    this.metaWritten.add(s.path);
  }

  private async existing(path: string, counted = true): Promise<ZNodeState> {
    const s = await this.node(path, counted);
    if (s === null) throw new ZkTreeError('NoNode', path);
    return s;
  }

  /** Guards on the znode's children (and cversion) as read: no child added or removed since. */
  private guardChildren(s: ZNodeState): void {
    if (s.stored === undefined || this.guardedCversions.has(s.path)) return;
    this.guardedCversions.add(s.path);
    this.compares.push({ key: cversionKey(s.path), target: 'mod', modRevision: s.stored.cversionMod, result: 'equal' });
  }

  private put(key: Uint8Array, value: Uint8Array, lease: bigint): void {
    this.keyOps.set(keyId(key), { put: true, key, value, lease });
  }

  private del(key: Uint8Array): void {
    this.keyOps.set(keyId(key), { put: false, key });
  }

  private childChanged(parent: ZNodeState, delta: 1 | -1): void {
    const created = delta === 1 ? 1 : 0;
    this.nodes.set(parent.path, { ...parent, cversion: parent.cversion + created, pzxid: PENDING, numChildren: parent.numChildren + delta });
    const before = this.childChanges.get(parent.path) ?? { all: 0, creates: 0 };
    this.childChanges.set(parent.path, { all: before.all + 1, creates: before.creates + created });
  }

  async create(path: string, data: Uint8Array, acl: readonly ZAcl[], mode: CreateMode, ttlMs?: number): Promise<ZNodeState> {
    const traits = modeTraits(mode);
    validateTtl(path, traits, ttlMs);
    if (data.length > MAX_DATA_BYTES) throw new ZkTreeError('BadArguments', path);
    if (traits.kind === 'ephemeral' && this.caller.sessionId === 0n) throw new ZkTreeError('SessionExpired', path);
    if (path.lastIndexOf('/') < 0 || path.includes('\u0000')) throw new ZkTreeError('BadArguments', path);
    const fixedAcl = fixupAcl(path, this.caller, acl);
    const parent = await this.existing(parentOf(path), false);
    checkAcl(this.caller, parent.meta.acl, PERMS.create, path);
    let finalPath = path;
    if (traits.sequential) {
      // The sequence number is the parent's cversion before this create, so it must not move under us.
      this.guardChildren(parent);
      finalPath = path + javaPercent010d(parent.cversion);
    }
    validatePath(finalPath);
    if ((await this.node(finalPath)) !== null) throw new ZkTreeError('NodeExists', finalPath);
    if (parent.meta.kind === 'ephemeral') throw new ZkTreeError('NoChildrenForEphemerals', finalPath);

    const lease = traits.kind === 'ephemeral' ? this.caller.sessionId : 0n;
    const base = { ctime: this.now, mtime: this.now, aversion: 0, acl: fixedAcl, kind: traits.kind };
    const meta: ZNodeMeta = traits.kind === 'ttl' ? { ...base, ttlMs: ttlMs! } : base;
    const state: ZNodeState = {
      path: finalPath,
      data,
      czxid: PENDING,
      mzxid: PENDING,
      version: 0,
      lease,
      meta,
      cversion: 0,
      pzxid: PENDING,
      numChildren: 0,
      stored: undefined,
    };
    this.nodes.set(finalPath, state);
    this.putData(state);
    this.put(childKey(parent.path, nameOf(finalPath)), EMPTY, lease);
    this.childChanged(parent, 1);
    return state;
  }

  async delete(path: string, version: number): Promise<void> {
    if (path.lastIndexOf('/') < 0 || path.includes('\u0000') || SPECIAL_PATHS.includes(path)) {
      throw new ZkTreeError('BadArguments', path);
    }
    const parent = await this.existing(parentOf(path), false);
    checkAcl(this.caller, parent.meta.acl, PERMS.delete, path);
    const node = await this.existing(path);
    checkVersion(node.version, version, path);
    this.guardChildren(node);
    if (node.numChildren > 0) throw new ZkTreeError('NotEmpty', path);
    this.deleteNode(parent, node);
  }

  /** ContainerManager's deleteContainer: no ACL, no version; a container or TTL znode with no children. */
  async deleteIdle(path: string, idle: (s: ZNodeState) => boolean): Promise<boolean> {
    const node = await this.node(path);
    if (node === null || SPECIAL_PATHS.includes(path)) return false;
    this.guardChildren(node);
    if (node.numChildren > 0 || !idle(node)) return false;
    this.deleteNode(await this.existing(parentOf(path), false), node);
    return true;
  }

  /** A closing session's ephemeral, deleted as ZooKeeper's closeSession does: no ACL, no version. */
  async deleteEphemeral(path: string, sessionId: bigint): Promise<boolean> {
    const node = await this.node(path);
    if (node === null || node.meta.kind !== 'ephemeral' || node.lease !== sessionId) return false;
    this.deleteNode(await this.existing(parentOf(path), false), node);
    return true;
  }

  private deleteNode(parent: ZNodeState, node: ZNodeState): void {
    this.del(dataKey(node.path));
    this.del(metaKey(node.path));
    this.dataWritten.delete(node.path);
    this.metaWritten.delete(node.path);
    this.del(childKey(parent.path, nameOf(node.path)));
    if (node.stored !== undefined) this.deletedCversionKeyVersions.set(node.path, node.stored.cversionKeyVersion);
    this.nodes.set(node.path, null);
    this.childChanged(parent, -1);
  }

  async setData(path: string, data: Uint8Array, version: number): Promise<ZNodeState> {
    validatePath(path);
    if (data.length > MAX_DATA_BYTES) throw new ZkTreeError('BadArguments', path);
    const node = await this.existing(path);
    checkAcl(this.caller, node.meta.acl, PERMS.write, path);
    checkVersion(node.version, version, path);
    const meta: ZNodeMeta = { ...node.meta, mtime: this.now };
    const next: ZNodeState = { ...node, data, version: node.version + 1, mzxid: PENDING, meta };
    this.nodes.set(path, next);
    this.putData(next);
    return next;
  }

  async setAcl(path: string, acl: readonly ZAcl[], version: number): Promise<ZNodeState> {
    validatePath(path);
    const fixedAcl = fixupAcl(path, this.caller, acl);
    const node = await this.existing(path);
    checkAcl(this.caller, node.meta.acl, PERMS.admin, path);
    checkVersion(node.meta.aversion, version, path);
    const meta: ZNodeMeta = { ...node.meta, acl: fixedAcl, aversion: node.meta.aversion + 1 };
    const next: ZNodeState = { ...node, meta };
    this.nodes.set(path, next);
    this.putMeta(next);
    return next;
  }

  async check(path: string, version: number): Promise<void> {
    validatePath(path);
    const node = await this.existing(path);
    checkAcl(this.caller, node.meta.acl, PERMS.read, path);
    checkVersion(node.version, version, path);
  }

  /** The txn: the compares, then one op per key written, with each touched cversion key last. */
  txn(onlyCompares = false): TxnRequest {
    if (onlyCompares) return { compare: this.compares, success: [] };
    const ops: RequestOp[] = [...this.keyOps.values()].map((op) =>
      op.put
        ? { type: 'put', request: { key: op.key, value: op.value, lease: op.lease } }
        : { type: 'deleteRange', request: { key: op.key } },
    );
    for (const path of this.metaWritten) {
      const s = this.nodes.get(path);
      if (s) ops.push({ type: 'put', request: { key: metaKey(path), value: encodeMeta(this.metaToStore(s)), lease: s.lease } });
    }
    for (const [path, s] of this.nodes) {
      const changes = this.childChanges.get(path) ?? { all: 0, creates: 0 };
      if (s === null) {
        if (this.deletedCversionKeyVersions.has(path)) ops.push({ type: 'deleteRange', request: { key: cversionKey(path) } });
      } else if (s.stored === undefined || changes.all > 0) {
        ops.push(this.cversionPut(s, changes));
      }
    }
    return { compare: this.compares, success: ops };
  }

  /**
   * The meta to store: a data key put once by this txn steps its version once, whatever the znode's
   * version moved by; and a znode created over a data key this txn found (deleted and created again)
   * keeps this txn's revision as its czxid, not the key's create revision.
   */
  private metaToStore(s: ZNodeState): ZNodeMeta {
    const { versionOffset: _old, czxid: _czxid, ...meta } = s.meta;
    const offset = this.dataWritten.has(s.path) ? s.version - (this.dataKeyVersions.get(s.path) ?? 0) : (s.meta.versionOffset ?? 0);
    const withOffset = offset === 0 ? meta : { ...meta, versionOffset: offset };
    if (s.czxid === PENDING) return this.dataKeyVersions.has(s.path) ? { ...withOffset, czxid: -1 } : withOffset;
    return s.meta.czxid === undefined ? withOffset : { ...withOffset, czxid: s.czxid };
  }

  /** The cversion key's put that leaves cversion (= version - 1 + offset) at the plan's value. */
  private cversionPut(s: ZNodeState, changes: { all: number; creates: number }): RequestOp {
    const key = cversionKey(s.path);
    if (s.stored !== undefined && changes.all === 1 && changes.creates === 1 && !this.guardedCversions.has(s.path)) {
      // A blind bump: concurrent creates of other children bump it too, and none overwrites another's.
      return { type: 'put', request: { key, ignoreValue: true, ignoreLease: true } };
    }
    if (s.stored !== undefined) this.guardChildren(s);
    const versionBefore = s.stored?.cversionKeyVersion ?? this.deletedCversionKeyVersions.get(s.path) ?? 0;
    return { type: 'put', request: { key, value: encodeCversionOffset(s.cversion - versionBefore), lease: s.lease } };
  }
}

/** Java's String.format("%010d", n), which ZooKeeper names sequential znodes with. */
export function javaPercent010d(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}

function checkVersion(current: number, expected: number, path: string): void {
  if (expected !== -1 && expected !== current) throw new ZkTreeError('BadVersion', path);
}
