// The gray release's guard, run by the member that leads: it follows every namespace's `gray` and
// `applied/` keys (one read, then a watch) and the registry's view, and abandons a gray release on
// its own when an instance running it records `rejected`, or when the registry instance an instance
// running it names (service/serviceInstance) goes critical. `gray-ended` then says author
// "lodestone" and which instance and why. Each abandon compares the gray key's mod revision as the
// guard saw it, so a gray release promoted, abandoned or replaced meanwhile is left alone, and two
// members that both think they lead (an old leader not yet told) cannot end the same one twice.
import type { Logger } from 'pino';
import type { WatchBackend } from '../rpc/watch-backend.js';
import type { ServiceInstance } from '../registry/registry-view.js';
import type { MvccEvent } from '../store/mvcc/types.js';
import type { Watcher } from '../store/watch/types.js';
import { abandonGray } from './gray.js';
import { NAMESPACES_PREFIX, appliedPrefix, grayKey, namespaceName, splitNamespaceKey, type AppliedRecord, type GrayRecord, type Namespace } from './layout.js';
import { encoder, prefixRange, type ConfigKv } from './namespace-state.js';
import { decodeApplied, decodeGray } from './records.js';

/** Who ends a gray release when no user did. */
export const GUARD_AUTHOR = 'lodestone';

/** How long to wait before reading again after the watch failed (a learner is refused watches). */
const RESTART_MS = 1000;

export interface GrayGuardPort {
  readonly kv: ConfigKv;
  readonly watch: Pick<WatchBackend, 'watch'>;
  /** The registry's view: an instance's worst check state, and word of changes. */
  readonly registry: { get(service: string, id: string): ServiceInstance | undefined; onChange(listener: () => void): () => void };
  /** Whether this member leads now: only the leader abandons. */
  isLeader(): boolean;
  readonly logger: Logger;
  /** How often the leader looks again even without a change (a new leader looks at once). */
  readonly tickMs: number;
}

interface Followed {
  readonly ns: Namespace;
  gray: { readonly record: GrayRecord; readonly modRevision: number } | undefined;
  readonly applied: Map<string, AppliedRecord>;
}

const decoder = new TextDecoder();

/** Why the gray release must end, or undefined while nothing says so. */
export function abandonReason(gray: GrayRecord, applied: Iterable<AppliedRecord>, registry: GrayGuardPort['registry']): string | undefined {
  for (const a of applied) {
    if (a.release !== gray.release) continue;
    if (a.state === 'rejected') return `instance ${a.instance} rejected release ${gray.release}${a.reason ? `: ${a.reason}` : ''}`;
    if (a.service && a.serviceInstance && registry.get(a.service, a.serviceInstance)?.status === 'critical') {
      return `instance ${a.instance} running release ${gray.release} is critical in the registry (${a.service}/${a.serviceInstance})`;
    }
  }
  return undefined;
}

export class GrayGuard {
  private readonly namespaces = new Map<string, Followed>();
  /** "<ns>@<gray mod revision>" of abandons under way or made: each gray release is ended once. */
  private readonly ending = new Set<string>();
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private offRegistry: (() => void) | undefined;
  private closed = false;

  constructor(private readonly port: GrayGuardPort) {}

  start(): void {
    this.offRegistry = this.port.registry.onChange(() => this.look());
    this.timer = setInterval(() => this.look(), this.port.tickMs);
    this.timer.unref();
    this.load().catch((err: unknown) => this.restart(err));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.restartTimer);
    this.watcher?.cancel();
    this.offRegistry?.();
  }

  /** Abandons each gray release something says must end (only while this member leads). */
  look(): void {
    if (this.closed || !this.port.isLeader()) return;
    for (const followed of this.namespaces.values()) {
      const gray = followed.gray;
      if (!gray) continue;
      const id = `${namespaceName(followed.ns)}@${gray.modRevision}`;
      if (this.ending.has(id)) continue;
      const reason = abandonReason(gray.record, followed.applied.values(), this.port.registry);
      if (!reason) continue;
      this.ending.add(id);
      abandonGray(this.port.kv, followed.ns, reason, { author: GUARD_AUTHOR }, { release: gray.record.release, modRevision: gray.modRevision }).then(
        (ended) => {
          if (ended) this.port.logger.info({ namespace: namespaceName(followed.ns), release: gray.record.release, reason }, 'gray release abandoned');
        },
        (err: unknown) => {
          // Tried again at the next look.
          this.ending.delete(id);
          this.port.logger.warn({ err, namespace: namespaceName(followed.ns) }, 'abandoning a gray release failed');
        },
      );
    }
  }

  private async load(): Promise<void> {
    const all = await this.port.kv.range({ ...prefixRange(NAMESPACES_PREFIX), keysOnly: true }, true);
    if (this.closed) return;
    const at = all.revision;
    const found = new Map<string, Namespace>();
    for (const kv of all.kvs) {
      const split = splitNamespaceKey(decoder.decode(kv.key));
      if (split) found.set(namespaceName(split.ns), split.ns);
    }
    this.namespaces.clear();
    await Promise.all(
      [...found.values()].map(async (ns) => {
        const [gray, applied] = await Promise.all([
          this.port.kv.range({ key: encoder.encode(grayKey(ns)), revision: at }, true),
          this.port.kv.range({ ...prefixRange(appliedPrefix(ns)), revision: at }, true),
        ]);
        for (const kv of [...gray.kvs, ...applied.kvs]) this.apply({ type: 'put', kv });
      }),
    );
    if (this.closed) return;
    this.follow(at + 1);
    this.look();
  }

  private follow(from: number): void {
    const range = prefixRange(NAMESPACES_PREFIX);
    this.watcher = this.port.watch.watch(
      { key: range.key, rangeEnd: range.rangeEnd, startRevision: from, prevKv: false, noPut: false, noDelete: false },
      {
        onEvents: (events) => {
          for (const e of events) this.apply(e);
          this.look();
          return true;
        },
        onCompacted: () => this.restart(undefined, 0),
      },
    );
  }

  private restart(err: unknown, delayMs = RESTART_MS): void {
    if (err !== undefined) this.port.logger.debug({ err }, 'the gray guard could not read the namespaces; reading again');
    this.watcher?.cancel();
    this.watcher = undefined;
    if (this.closed) return;
    this.restartTimer = setTimeout(() => this.load().catch((e: unknown) => this.restart(e)), delayMs);
  }

  private apply(event: Pick<MvccEvent, 'type' | 'kv'>): void {
    const split = splitNamespaceKey(decoder.decode(event.kv.key));
    if (!split) return;
    const isGray = split.rest === 'gray';
    const applied = split.rest.startsWith('applied/') ? split.rest.slice('applied/'.length) : undefined;
    if (!isGray && applied === undefined) return;
    const name = namespaceName(split.ns);
    let followed = this.namespaces.get(name);
    if (!followed) {
      followed = { ns: split.ns, gray: undefined, applied: new Map() };
      this.namespaces.set(name, followed);
    }
    if (isGray) {
      let record: GrayRecord | undefined;
      try {
        record = event.type === 'put' ? decodeGray(event.kv.value) : undefined;
      } catch {
        record = undefined;
      }
      followed.gray = record ? { record, modRevision: event.kv.modRevision } : undefined;
    } else if (applied !== undefined) {
      const record = event.type === 'put' ? decodeApplied(event.kv.value) : undefined;
      if (record) followed.applied.set(applied, record);
      else followed.applied.delete(applied);
    }
  }
}
