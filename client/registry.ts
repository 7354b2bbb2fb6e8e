// Service registration and discovery on the documented key layout (key-layout.ts): an instance is a
// key under /lodestone/services/<service>/ attached to a lease its process keeps alive, so it goes
// away when the process closes its registration, or dies and stops renewing (within the lease's TTL).
import type { Bytes } from './bytes.js';
import { ClientError } from './errors.js';
import type { KeyValue } from './key-value.js';
import type { KvClient, Lease } from './kv-client.js';
import { serviceKey, servicePrefix } from './key-layout.js';
import { PrefixMirror, type MirrorChange } from './prefix-mirror.js';
import { backoffDelay } from './retry.js';
import { Subscribers } from './subscribers.js';

/** JSON: what an instance advertises (address, port, metadata …). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface RegisterOptions {
  /** Seconds the instance outlives its process (raised to the cluster's minimum). Default 10. */
  readonly ttl?: number;
  /** The instance's value, stored as JSON. Default {}. */
  readonly value?: JsonValue;
}

export interface Registration {
  /** The instance's key. */
  readonly key: string;
  /** The lease that keeps the key (a new one if the first expired while the process lived on). */
  readonly lease: Lease;
  /** Replaces the instance's value. */
  update(value: JsonValue): Promise<void>;
  /** Removes the instance now (revokes its lease) and stops keeping it. */
  close(): Promise<void>;
}

/**
 * Registers an instance of a service. If its lease ever expires while this process lives on (it
 * was cut off for longer than the TTL), it is registered again under a new lease.
 */
export async function register(client: KvClient, service: string, instance: string, options: RegisterOptions = {}): Promise<Registration> {
  const key = serviceKey(service, instance);
  const ttl = options.ttl ?? 10;
  let value = JSON.stringify(options.value ?? {});
  let closed = false;
  // Putting the same value under the same lease twice does no harm: the put may be retried freely.
  const attach = async (): Promise<Lease> => {
    const lease = await client.grant(ttl);
    try {
      await client.put(key, value, { lease, idempotent: true });
    } catch (e) {
      await lease.revoke().catch(() => lease.release());
      throw e;
    }
    return lease;
  };
  let lease = await attach();
  const keep = (l: Lease): void => {
    void l.ended.then(async (why) => {
      if (why !== 'expired' || closed) return;
      for (let n = 0; !closed; n++) {
        try {
          lease = await attach();
          if (closed) await lease.revoke().catch(() => undefined);
          else keep(lease);
          return;
        } catch (e) {
          if (e instanceof ClientError && e.code === 'LODESTONE_CLIENT_CLOSED') return;
          await new Promise((r) => setTimeout(r, backoffDelay(n, { initialMs: 100, maxMs: 2000 })));
        }
      }
    });
  };
  keep(lease);
  return {
    key,
    get lease() {
      return lease;
    },
    async update(v: JsonValue) {
      value = JSON.stringify(v);
      await client.put(key, value, { lease, idempotent: true });
    },
    async close() {
      if (closed) return;
      closed = true;
      await lease.revoke();
    },
  };
}

export interface ServiceInstance<T> {
  readonly service: string;
  /** The instance's name. */
  readonly instance: string;
  readonly value: T;
  /** The revision of its last registration or update. */
  readonly revision: number;
}

export type ServiceChange<T> =
  | { readonly type: 'added' | 'updated'; readonly instance: ServiceInstance<T>; readonly instances: ReadonlyMap<string, ServiceInstance<T>>; readonly revision: number }
  | { readonly type: 'removed'; readonly instance: string; readonly instances: ReadonlyMap<string, ServiceInstance<T>>; readonly revision: number };

export interface DiscoverOptions<T> {
  /** Checks and types an instance's value (parsed from JSON); an instance it rejects is left out. */
  readonly parse?: (value: unknown, instance: string) => T;
}

/**
 * A service's instances, kept current: `instances` now, and an async iterator that yields the
 * instances there are when it starts (as "added") and then every change — each loop that iterates
 * gets its own.
 */
export class Discovery<T> implements AsyncIterable<ServiceChange<T>> {
  private readonly current = new Map<string, ServiceInstance<T>>();
  private readonly subscribers = new Subscribers<ServiceChange<T>>();
  private mirror: PrefixMirror | undefined;

  /** @internal */
  constructor(
    readonly service: string,
    private readonly parse: (value: unknown, instance: string) => T,
  ) {}

  /** @internal */
  async start(client: KvClient): Promise<void> {
    // The first read arrives as changes too, before anyone iterates: it fills `instances`.
    this.mirror = await PrefixMirror.open(client, servicePrefix(this.service), (changes) => this.apply(changes));
  }

  get instances(): ReadonlyMap<string, ServiceInstance<T>> {
    return this.current;
  }

  private apply(changes: readonly MirrorChange[]): void {
    const out: ServiceChange<T>[] = [];
    for (const c of changes) {
      const had = this.current.has(c.name);
      const next = c.kv ? this.instanceOf(c.name, c.kv) : undefined;
      if (next) {
        this.current.set(c.name, next);
        out.push({ type: had ? 'updated' : 'added', instance: next, instances: new Map(this.current), revision: c.revision });
      } else if (had) {
        this.current.delete(c.name);
        out.push({ type: 'removed', instance: c.name, instances: new Map(this.current), revision: c.revision });
      }
    }
    if (out.length > 0) this.subscribers.publish(out);
  }

  private instanceOf(name: string, kv: KeyValue): ServiceInstance<T> | undefined {
    try {
      return { service: this.service, instance: name, value: this.parse(parseJson(kv.value), name), revision: kv.modRevision };
    } catch {
      return undefined;
    }
  }

  /** The instances there are now (as "added"), then every change. */
  [Symbol.asyncIterator](): AsyncIterator<ServiceChange<T>> {
    const instances = new Map(this.current);
    const initial = [...instances.values()].map((instance): ServiceChange<T> => ({ type: 'added', instance, instances, revision: instance.revision }));
    return this.subscribers.subscribe(initial);
  }

  async close(): Promise<void> {
    await this.mirror?.close();
    this.subscribers.finish();
  }
}

function parseJson(b: Bytes): unknown {
  return JSON.parse(typeof b === 'string' ? b : new TextDecoder().decode(b));
}

export function discover(client: KvClient, service: string): Promise<Discovery<unknown>>;
export function discover<T>(client: KvClient, service: string, options: DiscoverOptions<T> & { readonly parse: (value: unknown, instance: string) => T }): Promise<Discovery<T>>;
export async function discover<T>(client: KvClient, service: string, options: DiscoverOptions<T> = {}): Promise<Discovery<T | unknown>> {
  const d = new Discovery<T | unknown>(service, options.parse ?? ((v) => v));
  await d.start(client);
  return d;
}
