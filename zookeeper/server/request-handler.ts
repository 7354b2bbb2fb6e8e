// One ZooKeeper request, answered from the znode tree: the op's reply (its error code, zxid and
// body) and the watches it sets. The connection decides which of a session's requests may run side
// by side (request-footprint.ts) and writes the replies in order.
import {
  ADD_WATCH_MODE,
  ERROR_CODE,
  EVENT_TYPE,
  ZooKeeperError,
  type ACL,
  type MultiOp as WireMultiOp,
  type MultiResult as WireMultiResult,
  type ZooKeeperRequest,
  type ZooKeeperResponse,
} from '../jute/index.js';
import { isZkTreeError, type MultiOp, type MultiResult, type ZkCaller, type ZNodeTree, type ZAcl } from '../tree/index.js';
import { createModeOf } from './create-modes.js';

/** What a request may do to its session besides answering. */
export interface SessionContext {
  caller(): ZkCaller;
  /** Sets a watch after a read that saw `revision`; changes since then fire at once (after the reply). */
  watchData(path: string, revision: bigint): void;
  watchChildren(path: string, revision: bigint): void;
  watchPersistent(path: string, recursive: boolean): void;
  hasWatch(path: string, watcherType: number): boolean;
  removeWatch(path: string, watcherType: number): boolean;
  /** Sends a watch event now (setWatches finding a change already made). */
  notify(type: number, path: string): void;
  /** The member's revision now: the zxid of replies that read nothing. */
  currentZxid(): bigint;
}

export interface Answer {
  readonly err: number;
  readonly zxid: bigint;
  readonly response?: ZooKeeperResponse;
}

const EMPTY = new Uint8Array(0);

/** Jute's ACL entries ({perms, id: {scheme, id}}) as the tree's ({perms, scheme, id}). */
function treeAcl(acl: readonly ACL[]): ZAcl[] {
  return acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id }));
}

function data(b: Uint8Array | null): Uint8Array {
  return b ?? EMPTY;
}

export class RequestHandler {
  constructor(private readonly tree: ZNodeTree) {}

  /** The answer; a ZkTreeError becomes its code; anything else is thrown to the connection. */
  async handle(req: ZooKeeperRequest, session: SessionContext): Promise<Answer> {
    try {
      return await this.answer(req, session);
    } catch (e) {
      if (isZkTreeError(e) || e instanceof ZooKeeperError) return { err: e.code, zxid: session.currentZxid() };
      throw e;
    }
  }

  private async answer(req: ZooKeeperRequest, session: SessionContext): Promise<Answer> {
    const c = session.caller();
    switch (req.type) {
      case 'create':
      case 'create2':
      case 'createContainer':
      case 'createTTL': {
        const r = req.request;
        const mode = req.type === 'createContainer' ? 'container' : createModeOf(r.flags);
        if (mode === undefined) throw ZooKeeperError.of('BadArguments');
        const ttl = 'ttl' in r ? Number(r.ttl) : undefined;
        const made = await this.tree.create(c, r.path, data(r.data), treeAcl(r.acl), mode, ttl);
        if (req.type === 'create') return { err: 0, zxid: made.zxid, response: { type: 'create', response: { path: made.path } } };
        return { err: 0, zxid: made.zxid, response: { type: req.type, response: { path: made.path, stat: made.stat } } };
      }
      case 'delete':
        return { err: 0, zxid: (await this.tree.delete(c, req.request.path, req.request.version)).zxid };
      case 'exists': {
        const { path, watch } = req.request;
        const found = await this.tree.exists(c, path);
        if (watch) session.watchData(path, found.zxid);
        if (found.stat === null) return { err: ERROR_CODE.NoNode, zxid: found.zxid };
        return { err: 0, zxid: found.zxid, response: { type: 'exists', response: { stat: found.stat } } };
      }
      case 'getData': {
        const { path, watch } = req.request;
        const got = await this.tree.getData(c, path);
        if (watch) session.watchData(path, got.zxid);
        return { err: 0, zxid: got.zxid, response: { type: 'getData', response: { data: Buffer.from(got.data), stat: got.stat } } };
      }
      case 'setData': {
        const r = req.request;
        const set = await this.tree.setData(c, r.path, data(r.data), r.version);
        return { err: 0, zxid: set.zxid, response: { type: 'setData', response: { stat: set.stat } } };
      }
      case 'getACL': {
        const got = await this.tree.getACL(c, req.request.path);
        const acl = got.acl.map((a) => ({ perms: a.perms, id: { scheme: a.scheme, id: a.id } }));
        return { err: 0, zxid: got.zxid, response: { type: 'getACL', response: { acl, stat: got.stat } } };
      }
      case 'setACL': {
        const r = req.request;
        const set = await this.tree.setACL(c, r.path, treeAcl(r.acl), r.version);
        return { err: 0, zxid: set.zxid, response: { type: 'setACL', response: { stat: set.stat } } };
      }
      case 'getChildren':
      case 'getChildren2': {
        const { path, watch } = req.request;
        const got = await this.tree.getChildren(c, path);
        if (watch) session.watchChildren(path, got.zxid);
        if (req.type === 'getChildren') return { err: 0, zxid: got.zxid, response: { type: 'getChildren', response: { children: got.children } } };
        return { err: 0, zxid: got.zxid, response: { type: 'getChildren2', response: { children: got.children, stat: got.stat } } };
      }
      case 'sync': {
        const synced = await this.tree.sync(c, req.request.path);
        return { err: 0, zxid: synced.zxid, response: { type: 'sync', response: { path: req.request.path } } };
      }
      case 'check': {
        const done = await this.tree.multi(c, [{ op: 'check', path: req.request.path, version: req.request.version }]);
        const first = done.results[0];
        return { err: first?.op === 'error' ? first.code : 0, zxid: done.zxid };
      }
      case 'multi':
        return this.multi(c, req.request);
      case 'multiRead':
        return this.multiRead(c, req.request, session);
      case 'addWatch': {
        const { path, mode } = req.request;
        if (mode !== ADD_WATCH_MODE.persistent && mode !== ADD_WATCH_MODE.persistentRecursive) throw ZooKeeperError.of('BadArguments');
        session.watchPersistent(path, mode === ADD_WATCH_MODE.persistentRecursive);
        // ZooKeeper answers addWatch with an ErrorResponse of 0.
        return { err: 0, zxid: session.currentZxid(), response: { type: 'addWatch', response: { err: 0 } } };
      }
      case 'checkWatches':
        return { err: session.hasWatch(req.request.path, req.request.type) ? 0 : ERROR_CODE.NoWatcher, zxid: session.currentZxid() };
      case 'removeWatches':
        return { err: session.removeWatch(req.request.path, req.request.type) ? 0 : ERROR_CODE.NoWatcher, zxid: session.currentZxid() };
      case 'setWatches':
      case 'setWatches2':
        await this.setWatches(c, req, session);
        return { err: 0, zxid: session.currentZxid() };
      case 'getEphemerals': {
        const got = await this.tree.getEphemerals(c, req.request.prefixPath);
        return { err: 0, zxid: got.zxid, response: { type: 'getEphemerals', response: { ephemerals: got.paths } } };
      }
      case 'getAllChildrenNumber': {
        const got = await this.tree.getAllChildrenNumber(c, req.request.path);
        return { err: 0, zxid: got.zxid, response: { type: 'getAllChildrenNumber', response: { totalNumber: got.total } } };
      }
      default:
        // reconfig, sasl and op codes ZooKeeper does not define; ping, auth, whoAmI and closeSession
        // are the connection's own.
        return { err: ERROR_CODE.Unimplemented, zxid: session.currentZxid() };
    }
  }

  private async multi(c: ZkCaller, ops: readonly WireMultiOp[]): Promise<Answer> {
    const treeOps: MultiOp[] = [];
    for (const o of ops) treeOps.push(this.treeOp(o));
    const done = await this.tree.multi(c, treeOps);
    const results: WireMultiResult[] = done.results.map((r, i) => wireResult(r, ops[i]?.type));
    // A failed multi is still answered err 0, as ZooKeeper 3.8 does: its results say which op failed.
    return { err: 0, zxid: done.zxid, response: { type: 'multi', response: results } };
  }

  private treeOp(o: WireMultiOp): MultiOp {
    switch (o.type) {
      case 'create':
      case 'create2':
      case 'createContainer':
      case 'createTTL': {
        const mode = o.type === 'createContainer' ? 'container' : createModeOf(o.op.flags);
        if (mode === undefined) throw ZooKeeperError.of('BadArguments');
        const acl = treeAcl(o.op.acl);
        const ttlMs = 'ttl' in o.op ? Number(o.op.ttl) : undefined;
        return { op: 'create', path: o.op.path, data: data(o.op.data), acl, mode, ...(ttlMs === undefined ? {} : { ttlMs }) };
      }
      case 'delete':
        return { op: 'delete', path: o.op.path, version: o.op.version };
      case 'setData':
        return { op: 'setData', path: o.op.path, data: data(o.op.data), version: o.op.version };
      case 'check':
        return { op: 'check', path: o.op.path, version: o.op.version };
      default:
        // Reads belong in multiRead; ZooKeeper refuses them in a write multi.
        throw ZooKeeperError.of('BadArguments');
    }
  }

  private async multiRead(c: ZkCaller, ops: readonly WireMultiOp[], session: SessionContext): Promise<Answer> {
    const results: WireMultiResult[] = [];
    let zxid = session.currentZxid();
    for (const o of ops) {
      try {
        if (o.type === 'getData') {
          const got = await this.tree.getData(c, o.op.path);
          zxid = got.zxid;
          results.push({ type: 'getData', data: Buffer.from(got.data), stat: got.stat });
        } else if (o.type === 'getChildren') {
          const got = await this.tree.getChildren(c, o.op.path);
          zxid = got.zxid;
          results.push({ type: 'getChildren', children: got.children });
        } else {
          throw ZooKeeperError.of('BadArguments');
        }
      } catch (e) {
        if (isZkTreeError(e) || e instanceof ZooKeeperError) results.push({ type: 'error', err: e.code });
        else throw e;
      }
    }
    return { err: 0, zxid, response: { type: 'multiRead', response: results } };
  }

  /**
   * A reconnecting client's watches, with the last zxid it saw: ZooKeeper's rule is to fire at once
   * what changed since then (DataTree.setWatches) and set the rest.
   */
  private async setWatches(c: ZkCaller, req: Extract<ZooKeeperRequest, { type: 'setWatches' | 'setWatches2' }>, session: SessionContext): Promise<void> {
    const r = req.request;
    const since = r.relativeZxid;
    for (const path of r.dataWatches) {
      const found = await this.tree.exists(c, path);
      if (found.stat === null) session.notify(EVENT_TYPE.nodeDeleted, path);
      else if (found.stat.mzxid > since) session.notify(EVENT_TYPE.nodeDataChanged, path);
      else session.watchData(path, found.zxid);
    }
    for (const path of r.existWatches) {
      const found = await this.tree.exists(c, path);
      if (found.stat !== null) session.notify(EVENT_TYPE.nodeCreated, path);
      else session.watchData(path, found.zxid);
    }
    for (const path of r.childWatches) {
      const found = await this.tree.exists(c, path);
      if (found.stat === null) session.notify(EVENT_TYPE.nodeDeleted, path);
      else if (found.stat.pzxid > since) session.notify(EVENT_TYPE.nodeChildrenChanged, path);
      else session.watchChildren(path, found.zxid);
    }
    if (req.type === 'setWatches2') {
      for (const path of req.request.persistentWatches) session.watchPersistent(path, false);
      for (const path of req.request.persistentRecursiveWatches) session.watchPersistent(path, true);
    }
  }
}

function wireResult(r: MultiResult, type: WireMultiOp['type'] | undefined): WireMultiResult {
  switch (r.op) {
    case 'create':
      return type === 'create' ? { type: 'create', path: r.path } : { type: 'create2', path: r.path, stat: r.stat };
    case 'delete':
      return { type: 'delete' };
    case 'setData':
      return { type: 'setData', stat: r.stat };
    case 'check':
      return { type: 'check' };
    case 'error':
      return { type: 'error', err: r.code };
  }
}
