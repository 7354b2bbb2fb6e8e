// ZooKeeper's data model over a member's KV store. Reads are served from this member's state
// (serializable), as a ZooKeeper server serves reads from its own copy; writes are one etcd txn each,
// replicated through raft, resolving once this member applied them, so a session reads its own writes.
import type { KvBackend } from '../../rpc/kv-backend.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { TxnRequest } from '../../store/mvcc/types.js';
import { childKey, cversionKey, dataKey, metaKey, ZK_DATA_PREFIX, ZK_META_PREFIX, type ZNodeMeta } from '../layout.js';
import { aclAsSeenBy, checkAcl } from './acl.js';
import { isZkTreeError, ZkTreeError } from './errors.js';
import { committedResults, failedResults, MultiFailure, planMulti } from './multi.js';
import { nameOf, parentOf } from './paths.js';
import type { CreateMode, MultiOp, MultiResult, ZAcl, ZkCaller, ZStat } from './types.js';
import { PERMS } from './types.js';
import { asZkError } from './store-refusals.js';
import { WritePlan } from './write-plan.js';
import { encodeMeta, parseMeta, readZNode, statOf, type ZNodeState } from './znode-state.js';

/** How many times a write is re-planned when what it read moved before it committed. */
const MAX_ATTEMPTS = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The znodes ZooKeeper starts with, in creation order: their ACLs, and aversion -1 where ZooKeeper has it. */
const BUILT_IN: readonly { path: string; perms: number; aversion: number }[] = [
  { path: '/', perms: PERMS.all, aversion: 0 },
  { path: '/zookeeper', perms: PERMS.all, aversion: 0 },
  { path: '/zookeeper/quota', perms: PERMS.all, aversion: 0 },
  { path: '/zookeeper/config', perms: PERMS.read, aversion: -1 },
];

export class ZNodeTree {
  private readonly kv: KvBackend;
  private readonly now: () => number;
  private lastZxid = 0;

  constructor(deps: { kv: KvBackend; now?: () => number }) {
    this.kv = deps.kv;
    this.now = deps.now ?? Date.now;
  }

  /** The highest revision this tree has seen (a write's or a read's). */
  currentZxid(): bigint {
    return BigInt(this.lastZxid);
  }

  private saw(revision: number): bigint {
    if (revision > this.lastZxid) this.lastZxid = revision;
    return BigInt(revision);
  }

  /** Creates "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config" where missing; idempotent. */
  async ensureRoot(): Promise<void> {
    for (const { path, perms, aversion } of BUILT_IN) {
      // ZooKeeper's built-in znodes carry times of 0 and are not counted in their parent's cversion
      // (so a fresh "/" shows cversion -1 and "/zookeeper" -2, as on a fresh ZooKeeper).
      const meta: ZNodeMeta = { ctime: 0, mtime: 0, aversion, acl: [{ perms, scheme: 'world', id: 'anyone' }], kind: 'persistent' };
      const puts = [dataKey(path), metaKey(path), cversionKey(path)].map((key, i) => ({
        type: 'put' as const,
        request: { key, value: i === 1 ? encodeMeta(meta) : new Uint8Array(0) },
      }));
      if (path !== '/') puts.push({ type: 'put', request: { key: childKey(parentOf(path), nameOf(path)), value: new Uint8Array(0) } });
      const r = await this.kv.write({
        type: 'txn',
        request: { compare: [{ key: dataKey(path), target: 'create', createRevision: 0, result: 'equal' }], success: puts },
      });
      this.saw(r.response.revision);
    }
  }

  /**
   * Plans and commits one write. A refusal that rests on what was read is confirmed by a txn of the
   * same compares (so it is the cluster's current state that refuses, at a zxid); a moved read retries.
   */
  private async write<T>(caller: ZkCaller, plan: (p: WritePlan) => Promise<T>): Promise<{ value: T; zxid: bigint }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const p = new WritePlan(this.kv, caller, this.now());
      let value: T;
      try {
        value = await plan(p);
      } catch (error) {
        if (!isZkTreeError(error) || !p.readsState) throw error;
        const revision = await this.commit(p.txn(true));
        if (revision === undefined) continue;
        error.zxid = BigInt(revision);
        throw error;
      }
      const revision = await this.commit(p.txn());
      if (revision !== undefined) return { value, zxid: this.saw(revision) };
    }
    throw new ZkTreeError('SystemError');
  }

  /** The txn's revision, or undefined when a compare failed. */
  private async commit(request: TxnRequest): Promise<number | undefined> {
    try {
      const r = await this.kv.write({ type: 'txn', request });
      this.saw(r.response.revision);
      return r.response.succeeded ? r.response.revision : undefined;
    } catch (error) {
      throw asZkError(error);
    }
  }

  async create(c: ZkCaller, path: string, data: Uint8Array, acl: readonly ZAcl[], mode: CreateMode, ttlMs?: number): Promise<{ path: string; stat: ZStat; zxid: bigint }> {
    const { value, zxid } = await this.write(c, (p) => p.create(path, data, acl, mode, ttlMs));
    return { path: value.path, stat: statOf(value, Number(zxid)), zxid };
  }

  async delete(c: ZkCaller, path: string, version: number): Promise<{ zxid: bigint }> {
    const { zxid } = await this.write(c, (p) => p.delete(path, version));
    return { zxid };
  }

  async setData(c: ZkCaller, path: string, data: Uint8Array, version: number): Promise<{ stat: ZStat; zxid: bigint }> {
    const { value, zxid } = await this.write(c, (p) => p.setData(path, data, version));
    return { stat: statOf(value, Number(zxid)), zxid };
  }

  async setACL(c: ZkCaller, path: string, acl: readonly ZAcl[], version: number): Promise<{ stat: ZStat; zxid: bigint }> {
    const { value, zxid } = await this.write(c, (p) => p.setAcl(path, acl, version));
    return { stat: statOf(value, Number(zxid)), zxid };
  }

  /**
   * All ops in one txn, each seeing the earlier ones' effects. On the first failure nothing is
   * written: that op gets its code, those before it Ok, those after it RuntimeInconsistency.
   */
  async multi(c: ZkCaller, ops: readonly MultiOp[]): Promise<{ results: MultiResult[]; zxid: bigint }> {
    try {
      const { value, zxid } = await this.write(c, (p) => planMulti(p, ops));
      return { results: committedResults(value, Number(zxid)), zxid };
    } catch (error) {
      if (!(error instanceof MultiFailure)) throw error;
      return { results: failedResults(ops.length, error), zxid: error.zxid ?? this.currentZxid() };
    }
  }


  private async readNode(c: ZkCaller, path: string, perm: number, children = false): Promise<{ s: ZNodeState; children: string[]; zxid: bigint }> {
    const r = await readZNode(this.kv, path, { children });
    const zxid = this.saw(r.revision);
    try {
      if (r.state === null) throw new ZkTreeError('NoNode', path);
      if (perm !== 0) checkAcl(c, r.state.meta.acl, perm, path);
    } catch (error) {
      if (isZkTreeError(error)) error.zxid = zxid;
      throw error;
    }
    return { s: r.state!, children: r.children ?? [], zxid };
  }

  async exists(_c: ZkCaller, path: string): Promise<{ stat: ZStat | null; zxid: bigint }> {
    const r = await readZNode(this.kv, path);
    return { stat: r.state === null ? null : statOf(r.state), zxid: this.saw(r.revision) };
  }

  async getData(c: ZkCaller, path: string): Promise<{ data: Uint8Array; stat: ZStat; zxid: bigint }> {
    const { s, zxid } = await this.readNode(c, path, PERMS.read);
    return { data: s.data, stat: statOf(s), zxid };
  }

  async getChildren(c: ZkCaller, path: string): Promise<{ children: string[]; stat: ZStat; zxid: bigint }> {
    const { s, children, zxid } = await this.readNode(c, path, PERMS.read, true);
    return { children, stat: statOf(s), zxid };
  }

  /** Needs READ or ADMIN (ZooKeeper 3.8); without ADMIN the digests are hidden. */
  async getACL(c: ZkCaller, path: string): Promise<{ acl: ZAcl[]; stat: ZStat; zxid: bigint }> {
    const { s, zxid } = await this.readNode(c, path, PERMS.read | PERMS.admin);
    return { acl: aclAsSeenBy(c, s.meta.acl), stat: statOf(s), zxid };
  }

  /** The number of znodes below `path` (for "/", every znode, "/" included, as ZooKeeper counts). */
  async getAllChildrenNumber(c: ZkCaller, path: string): Promise<{ total: number; zxid: bigint }> {
    await this.readNode(c, path, PERMS.read);
    const key = encoder.encode(ZK_DATA_PREFIX + (path.endsWith('/') ? path : `${path}/`));
    const r = await this.kv.range({ key, rangeEnd: prefixEnd(key), countOnly: true }, true);
    return { total: r.count, zxid: this.saw(r.revision) };
  }

  /** This session's ephemeral znodes whose path starts with `prefixPath` ("/" or "" for all), sorted. */
  async getEphemerals(c: ZkCaller, prefixPath: string): Promise<{ paths: string[]; zxid: bigint }> {
    const all = prefixPath.trim() === '' || prefixPath.trim() === '/';
    const key = encoder.encode(ZK_DATA_PREFIX + (all ? '/' : prefixPath));
    const r = await this.kv.range({ key, rangeEnd: prefixEnd(key), keysOnly: true }, true);
    const paths = c.sessionId === 0n ? [] : r.kvs.filter((kv) => kv.lease === c.sessionId).map((kv) => decoder.decode(kv.key).slice(ZK_DATA_PREFIX.length));
    return { paths: paths.sort(), zxid: this.saw(r.revision) };
  }

  /**
   * Deletes the session's ephemerals in one txn, as ZooKeeper's closeSession does, so their parents'
   * pzxid and cversion move as there (a lease revoke alone deletes the keys without touching the
   * parents). Call it before revoking the session's lease, which takes whatever this missed (too
   * many ephemerals for one txn, or one created meanwhile).
   */
  async closeSession(c: ZkCaller): Promise<{ paths: string[]; zxid: bigint }> {
    if (c.sessionId === 0n) return { paths: [], zxid: this.currentZxid() };
    try {
      const { value, zxid } = await this.write(c, async (p) => {
        const { paths } = await this.getEphemerals(c, '/');
        const deleted: string[] = [];
        for (const path of paths) if (await p.deleteEphemeral(path, c.sessionId)) deleted.push(path);
        return deleted;
      });
      return { paths: value, zxid };
    } catch (error) {
      if (isZkTreeError(error, 'BadArguments')) return { paths: [], zxid: this.currentZxid() };
      throw error;
    }
  }

  /** A linearizable barrier: once it resolves, this member's local reads see every write acknowledged before it. */
  async sync(_c: ZkCaller, _path: string): Promise<{ zxid: bigint }> {
    const r = await this.kv.range({ key: dataKey('/'), countOnly: true }, false);
    return { zxid: this.saw(r.revision) };
  }

  /** Container and TTL znodes, for the reaper: their paths and metas. */
  async reapCandidates(): Promise<{ path: string; meta: ZNodeMeta }[]> {
    const key = encoder.encode(ZK_META_PREFIX);
    const r = await this.kv.range({ key, rangeEnd: prefixEnd(key) }, true);
    const out: { path: string; meta: ZNodeMeta }[] = [];
    for (const kv of r.kvs) {
      const path = decoder.decode(kv.key).slice(ZK_META_PREFIX.length);
      try {
        const meta = parseMeta(kv.value, path);
        if (meta.kind === 'container' || meta.kind === 'ttl') out.push({ path, meta });
      } catch {
        // A damaged meta key is not the reaper's to judge.
      }
    }
    return out;
  }

  /** Deletes `path` in a guarded txn if it has no children and `idle` holds for it; whether it did. */
  async deleteIfIdle(path: string, idle: (s: ZNodeState, now: number) => boolean): Promise<boolean> {
    const reaper: ZkCaller = { sessionId: 0n, authIds: [] };
    const now = this.now();
    const { value } = await this.write(reaper, (p) => p.deleteIdle(path, (s) => idle(s, now)));
    return value;
  }
}
