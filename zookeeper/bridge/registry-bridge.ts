// Services registered through ZooKeeper's protocol show in the registry, and the registry's
// instances show as znodes: the leading member keeps <base>/<service>/<id> znodes and
// /lodestone/services/<service>/<id> instances in step, each mirror on its original's lease (an
// ephemeral znode's session, a registered instance's holder), so it vanishes with it on every member.
// On taking the lead it compares the two sides whole, then follows both with one watch.
import type { Logger } from 'pino';
import type { KvBackend } from '../../rpc/kv-backend.js';
import type { WatchBackend, Watcher } from '../../rpc/watch-backend.js';
import { parseRegistryKey, SERVICES_PREFIX } from '../../registry/layout.js';
import { decodeInstance } from '../../registry/records.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import type { KeyValue, MvccEvent } from '../../store/mvcc/types.js';
import { dataKey, ZK_DATA_PREFIX } from '../layout.js';
import { isZkTreeError, type ZNodeTree } from '../tree/index.js';
import {
  instanceFromZnode,
  instanceZnodePath,
  isLodestoneZnode,
  isMirroredInstance,
  serviceAncestors,
  serviceZnodePath,
  SERVICES_ZNODE,
  znodeFromInstance,
} from './service-znodes.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const OPEN_ACL = [{ perms: 31, scheme: 'world', id: 'anyone' }];
const NOBODY = { sessionId: 0n, authIds: [] };

export interface RegistryBridgeDeps {
  readonly kv: KvBackend;
  readonly watch: WatchBackend;
  readonly tree: ZNodeTree;
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  /** How often leadership is looked at (1 s by default). */
  readonly checkEveryMs?: number;
  /** The znode the services are under (/services by default, a Curator basePath). */
  readonly basePath?: string;
}

function span(prefix: string): { key: Uint8Array; rangeEnd: Uint8Array } {
  const key = encoder.encode(prefix);
  return { key, rangeEnd: prefixEnd(key) };
}

const INSTANCES = span(SERVICES_PREFIX);

export class RegistryBridge {
  private timer: NodeJS.Timeout | undefined;
  private watchers: Watcher[] = [];
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  private readonly base: string;
  private readonly znodes: { key: Uint8Array; rangeEnd: Uint8Array };

  constructor(private readonly deps: RegistryBridgeDeps) {
    this.base = deps.basePath ?? SERVICES_ZNODE;
    this.znodes = span(`${ZK_DATA_PREFIX}${this.base}/`);
  }

  start(): void {
    this.timer = setInterval(() => this.follow(), this.deps.checkEveryMs ?? 1000);
    this.timer.unref();
    this.follow();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.halt();
  }

  /** Resolves once every change heard so far has been mirrored (for tests). */
  async settled(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.queue) {
      seen = this.queue;
      await seen;
    }
  }

  private follow(): void {
    const leads = this.deps.isLeader();
    if (leads && !this.running) void this.begin();
    else if (!leads && this.running) this.halt();
  }

  private halt(): void {
    this.running = false;
    for (const w of this.watchers.splice(0)) w.cancel();
  }

  private async begin(): Promise<void> {
    this.running = true;
    try {
      const read = await this.deps.kv.readTxn(
        { success: [{ type: 'range', request: { ...this.znodes, keysOnly: true } }, { type: 'range', request: { ...INSTANCES, keysOnly: true } }] },
        false,
      );
      if (!this.running) return;
      const names = new Set<string>();
      for (const r of read.responses) if (r.type === 'range') for (const kv of r.response.kvs) this.nameOf(kv.key, names);
      const from = read.revision + 1;
      const onEvents = (events: readonly MvccEvent[]): boolean => {
        const touched = new Set<string>();
        for (const e of events) this.nameOf(e.kv.key, touched);
        for (const n of touched) this.enqueue(n);
        return true;
      };
      const onCompacted = (): void => {
        // Fell behind the history: start over from a fresh read.
        this.halt();
      };
      for (const s of [this.znodes, INSTANCES]) {
        this.watchers.push(this.deps.watch.watch({ ...s, startRevision: from, prevKv: false, noPut: false, noDelete: false }, { onEvents, onCompacted }));
      }
      for (const n of names) this.enqueue(n);
    } catch (err) {
      this.deps.logger.warn({ err }, 'the ZooKeeper registry bridge could not read the registry; trying again');
      this.halt();
    }
  }

  /** The "service/id" a key of either side names. */
  private nameOf(key: Uint8Array, into: Set<string>): void {
    const k = decoder.decode(key);
    if (k.startsWith(ZK_DATA_PREFIX)) {
      const p = serviceZnodePath(k.slice(ZK_DATA_PREFIX.length), this.base);
      if (p) into.add(`${p.service}/${p.id}`);
      return;
    }
    const r = parseRegistryKey(k);
    if (r?.kind === 'instance') into.add(`${r.service}/${r.id}`);
  }

  private enqueue(name: string): void {
    if (this.queued.has(name)) return;
    this.queued.add(name);
    this.queue = this.queue.then(async () => {
      this.queued.delete(name);
      if (!this.running) return;
      const [service, id] = name.split('/') as [string, string];
      try {
        await this.sync(service, id);
      } catch (err) {
        // Stopped meanwhile (the member is closing): the next leader's bridge looks at every instance.
        if (!this.running) return;
        this.deps.logger.warn({ err, service, id }, 'the ZooKeeper registry bridge could not mirror an instance');
      }
    });
  }

  /** Brings one service instance's two sides in step, whichever changed. */
  private async sync(service: string, id: string): Promise<void> {
    const instanceKey = encoder.encode(`${SERVICES_PREFIX}${service}/${id}`);
    const znodeKey = dataKey(instanceZnodePath(service, id, this.base));
    const read = await this.deps.kv.readTxn({ success: [{ type: 'range', request: { key: instanceKey } }, { type: 'range', request: { key: znodeKey } }] }, true);
    const [inst, node] = read.responses.map((r) => (r.type === 'range' ? r.response.kvs[0] : undefined));
    const record = inst ? decodeInstance(inst.value) : undefined;
    const native = inst !== undefined && record !== undefined && !isMirroredInstance(record) ? { inst, record } : undefined;
    const ours = node !== undefined && isLodestoneZnode(node.value);
    if (node !== undefined && !ours) {
      // A znode registered through ZooKeeper: the registry mirrors it, unless an instance of its
      // own has the name.
      if (native) return;
      const wanted = instanceFromZnode(node.value);
      if (wanted === undefined) return this.dropMirroredInstance(instanceKey, inst);
      const value = encoder.encode(JSON.stringify(wanted));
      if (inst && inst.lease === node.lease && Buffer.from(inst.value).equals(value)) return;
      await this.deps.kv.write({
        type: 'txn',
        request: {
          compare: [inst ? { key: instanceKey, target: 'mod', modRevision: inst.modRevision, result: 'equal' } : { key: instanceKey, target: 'create', createRevision: 0, result: 'equal' }],
          success: [{ type: 'put', request: { key: instanceKey, value, lease: node.lease } }],
        },
      });
      return;
    }
    if (native) {
      const { inst: original, record: instance } = native;
      const data = znodeFromInstance(service, id, instance, original.lease !== 0n);
      if (node && Buffer.from(node.value).equals(data) && node.lease === original.lease) return;
      if (node && node.lease !== original.lease) await this.ignoreGone(() => this.deps.tree.delete(NOBODY, instanceZnodePath(service, id, this.base), -1));
      if (node && node.lease === original.lease) {
        await this.ignoreGone(() => this.deps.tree.setData(NOBODY, instanceZnodePath(service, id, this.base), data, -1));
        return;
      }
      await this.ensureParent(service);
      const caller = { sessionId: original.lease, authIds: [] };
      await this.ignoreGone(() => this.deps.tree.create(caller, instanceZnodePath(service, id, this.base), data, OPEN_ACL, original.lease !== 0n ? 'ephemeral' : 'persistent'));
      return;
    }
    // No original on either side: the mirrors go.
    await this.dropMirroredInstance(instanceKey, inst);
    if (ours) await this.ignoreGone(() => this.deps.tree.delete(NOBODY, instanceZnodePath(service, id, this.base), -1));
  }

  private async dropMirroredInstance(key: Uint8Array, inst: KeyValue | undefined): Promise<void> {
    if (!inst || !isMirroredInstance(decodeInstance(inst.value))) return;
    await this.deps.kv.write({
      type: 'txn',
      request: { compare: [{ key, target: 'mod', modRevision: inst.modRevision, result: 'equal' }], success: [{ type: 'deleteRange', request: { key } }] },
    });
  }

  private async ensureParent(service: string): Promise<void> {
    for (const path of serviceAncestors(service, this.base)) {
      await this.ignoreGone(() => this.deps.tree.create(NOBODY, path, new Uint8Array(0), OPEN_ACL, 'persistent'));
    }
  }

  /** Races with the other side (it already exists, it is already gone, its session just ended) settle on the next event. */
  private async ignoreGone(op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (e) {
      if (isZkTreeError(e, 'NodeExists') || isZkTreeError(e, 'NoNode') || isZkTreeError(e, 'SessionExpired') || isZkTreeError(e, 'NotEmpty')) return;
      throw e;
    }
  }
}
