// Live configuration on the documented key layout (key-layout.ts): every key under
// /lodestone/config/<prefix>/, parsed and checked by the caller's function, kept current by a watch.
// A value the function rejects is left out of `values` (a fresh process would not have it either)
// and listed in `invalid`; its change says so, with the value it replaced.
import { toText } from './bytes.js';
import { ClientError } from './errors.js';
import type { KvClient } from './kv-client.js';
import { configPrefix } from './key-layout.js';
import { PrefixMirror, type MirrorChange } from './prefix-mirror.js';
import { Subscribers } from './subscribers.js';

export type ConfigChange<T> =
  | { readonly type: 'set'; readonly key: string; readonly value: T; readonly previous: T | undefined; readonly revision: number }
  | { readonly type: 'deleted'; readonly key: string; readonly previous: T | undefined; readonly revision: number }
  | { readonly type: 'invalid'; readonly key: string; readonly raw: string; readonly error: ClientError; readonly previous: T | undefined; readonly revision: number };

export interface ConfigOptions<T> {
  /** Turns a stored value (UTF-8 text) into a typed one; throws to reject it. */
  readonly parse: (raw: string, key: string) => T;
}

export class Config<T> implements AsyncIterable<ConfigChange<T>> {
  private readonly current = new Map<string, { readonly value: T; readonly revision: number }>();
  private readonly rejected = new Map<string, { readonly error: ClientError; readonly raw: string; readonly revision: number }>();
  private readonly subscribers = new Subscribers<ConfigChange<T>>();
  private mirror: PrefixMirror | undefined;

  /** @internal */
  constructor(
    readonly prefix: string,
    private readonly parse: (raw: string, key: string) => T,
  ) {}

  /** @internal */
  async start(client: KvClient): Promise<void> {
    this.mirror = await PrefixMirror.open(client, configPrefix(this.prefix), (changes) => this.apply(changes));
  }

  /** Every valid value, by key (the part after the prefix). */
  get values(): ReadonlyMap<string, T> {
    return new Map([...this.current].map(([k, v]) => [k, v.value]));
  }

  /** Keys whose stored value the parse function rejected, with its error. */
  get invalid(): ReadonlyMap<string, ClientError> {
    return new Map([...this.rejected].map(([k, v]) => [k, v.error]));
  }

  /** The revision the values are current as of. */
  get revision(): number {
    return this.mirror?.revision ?? 0;
  }

  get(key: string): T | undefined {
    return this.current.get(key)?.value;
  }

  private apply(changes: readonly MirrorChange[]): void {
    const out: ConfigChange<T>[] = [];
    for (const c of changes) {
      const key = c.name;
      const previous = this.current.get(key)?.value;
      if (!c.kv) {
        const wasThere = this.current.delete(key) || this.rejected.delete(key);
        if (wasThere) out.push({ type: 'deleted', key, previous, revision: c.revision });
        continue;
      }
      const raw = toText(c.kv.value);
      let value: T;
      try {
        value = this.parse(raw, key);
      } catch (e) {
        const error = new ClientError('LODESTONE_INVALID_VALUE', `config ${this.prefix}/${key}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        this.current.delete(key);
        this.rejected.set(key, { error, raw, revision: c.revision });
        out.push({ type: 'invalid', key, raw, error, previous, revision: c.revision });
        continue;
      }
      this.rejected.delete(key);
      this.current.set(key, { value, revision: c.revision });
      out.push({ type: 'set', key, value, previous, revision: c.revision });
    }
    if (out.length > 0) this.subscribers.publish(out);
  }

  /** The values there are now (as "set", or "invalid"), then every change. */
  [Symbol.asyncIterator](): AsyncIterator<ConfigChange<T>> {
    const initial: ConfigChange<T>[] = [];
    for (const [key, v] of this.current) initial.push({ type: 'set', key, value: v.value, previous: undefined, revision: v.revision });
    for (const [key, v] of this.rejected) initial.push({ type: 'invalid', key, raw: v.raw, error: v.error, previous: undefined, revision: v.revision });
    initial.sort((a, b) => a.revision - b.revision);
    return this.subscribers.subscribe(initial);
  }

  async close(): Promise<void> {
    await this.mirror?.close();
    this.subscribers.finish();
  }
}

/**
 * The config under a prefix: current values, and an async iterator that yields the values there are
 * when it starts and then every change (each loop that iterates gets its own). Without `parse`,
 * values are the stored text.
 */
export function config(client: KvClient, prefix: string): Promise<Config<string>>;
export function config<T>(client: KvClient, prefix: string, options: ConfigOptions<T>): Promise<Config<T>>;
export async function config<T>(client: KvClient, prefix: string, options?: ConfigOptions<T>): Promise<Config<T | string>> {
  const c = new Config<T | string>(prefix, options?.parse ?? ((raw) => raw));
  await c.start(client);
  return c;
}
