// config<T>(ns): a typed view of a namespace for programs that use their config as values — json
// and yaml items parsed, text items as strings, each coerced as the namespace's schema says — typed
// as T by the caller (`lodestone config schema types` derives T from the namespace's schema). Each release is recorded applied once its
// items parse, rejected (with the parse error) when one does not; a rejected release leaves the
// values as they were.
import { parseNamespace, schemaKey } from '../../configcenter/layout.js';
import { decodeSchema } from '../../configcenter/records.js';
import { compileSchema } from '../../configcenter/schema-check.js';
import type { KvClient } from '../kv-client.js';
import { Subscribers } from '../subscribers.js';
import { ClientError, isClientError } from '../errors.js';
import { itemValues } from './item-values.js';
import { subscribeConfig, type ConfigSnapshot, type ConfigSubscription, type ConfigSubscriptionOptions } from './subscription.js';

export interface ConfigValues<T> {
  readonly namespace: string;
  readonly release: number;
  /** `{ item: value }`: json/yaml items parsed, text items as their string. */
  readonly values: T;
  readonly fromCache: boolean;
}

export interface ConfigView<T> extends AsyncIterable<ConfigValues<T>> {
  /** The values of the release this instance runs now. */
  readonly values: T;
  readonly release: number;
  readonly fromCache: boolean;
  /** The subscription underneath (its raw items, report()). */
  readonly subscription: ConfigSubscription;
  close(): Promise<void>;
}

function parsed<T>(s: ConfigSnapshot, coerce: (values: Record<string, unknown>) => Record<string, unknown>): ConfigValues<T> {
  return { namespace: s.namespace, release: s.release, values: coerce(itemValues(s.items)) as T, fromCache: s.fromCache };
}

/**
 * The values as the members' schema check saw them: ajv with coerceTypes turns a text item "100"
 * into 100 where the schema says integer, so a T derived from the schema (lodestone config schema
 * types) holds at run time. No schema, or none readable (the cluster is unreachable): as parsed.
 */
async function schemaCoercion(client: KvClient, namespace: string): Promise<(values: Record<string, unknown>) => Record<string, unknown>> {
  const asParsed = (values: Record<string, unknown>): Record<string, unknown> => values;
  try {
    const kv = await client.get(schemaKey(parseNamespace(namespace)));
    if (!kv) return asParsed;
    const validate = compileSchema(decodeSchema(kv.value).schema);
    return (values) => {
      const copy = structuredClone(values);
      return validate(copy) ? copy : values;
    };
  } catch {
    return asParsed;
  }
}

class View<T> implements ConfigView<T> {
  private readonly subscribers = new Subscribers<ConfigValues<T>>();
  private following: Promise<void> | undefined;

  constructor(
    private readonly client: KvClient,
    readonly subscription: ConfigSubscription,
    private current: ConfigValues<T>,
    private readonly reporting: boolean,
  ) {}

  get values(): T {
    return this.current.values;
  }
  get release(): number {
    return this.current.release;
  }
  get fromCache(): boolean {
    return this.current.fromCache && this.subscription.snapshot.fromCache;
  }

  [Symbol.asyncIterator](): AsyncIterator<ConfigValues<T>> {
    return this.subscribers.subscribe([this.current]);
  }

  follow(): void {
    this.following = (async () => {
      let first = true;
      for await (const s of this.subscription) {
        if (first) {
          first = false;
          if (s.release === this.current.release) continue;
        }
        const next = await this.accept(s);
        if (!next) continue;
        this.current = next;
        this.subscribers.publish([next]);
      }
    })();
  }

  /** The snapshot's values, recorded applied; undefined (recorded rejected) when an item does not parse. */
  async accept(s: ConfigSnapshot): Promise<ConfigValues<T> | undefined> {
    try {
      const v = parsed<T>(s, await schemaCoercion(this.client, s.namespace));
      if (this.reporting && s.release > 0) this.subscription.report(s.release, 'applied').catch(() => undefined);
      return v;
    } catch (e) {
      if (!isClientError(e, 'LODESTONE_INVALID_VALUE')) throw e;
      if (this.reporting && s.release > 0) this.subscription.report(s.release, 'rejected', e.message).catch(() => undefined);
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.subscription.close();
    await this.following;
    this.subscribers.finish();
  }
}

/**
 * A typed view of a namespace. Rejects with LODESTONE_INVALID_VALUE when the release it starts with
 * does not parse (it is recorded rejected first).
 */
export async function configView<T = Record<string, unknown>>(client: KvClient, namespace: string, options: ConfigSubscriptionOptions = {}): Promise<ConfigView<T>> {
  const reporting = options.autoReport ?? true;
  const subscription = await subscribeConfig(client, namespace, { ...options, autoReport: false });
  const probe = new View<T>(client, subscription, { namespace: subscription.snapshot.namespace, release: 0, values: {} as T, fromCache: false }, reporting);
  const first = await probe.accept(subscription.snapshot);
  if (!first) {
    await subscription.close();
    throw new ClientError('LODESTONE_INVALID_VALUE', `config ${subscription.snapshot.namespace}: release ${subscription.snapshot.release} does not parse`);
  }
  const view = new View<T>(client, subscription, first, reporting);
  view.follow();
  return view;
}
