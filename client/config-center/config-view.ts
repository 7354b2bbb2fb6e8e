// config<T>(ns): a typed view of a namespace for programs that use their config as values — json
// and yaml items parsed, text items as strings — typed as T by the caller (`lodestone config
// schema types` derives T from the namespace's schema). Each release is recorded applied once its
// items parse, rejected (with the parse error) when one does not; a rejected release leaves the
// values as they were.
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

function parsed<T>(s: ConfigSnapshot): ConfigValues<T> {
  return { namespace: s.namespace, release: s.release, values: itemValues(s.items) as T, fromCache: s.fromCache };
}

class View<T> implements ConfigView<T> {
  private readonly subscribers = new Subscribers<ConfigValues<T>>();
  private following: Promise<void> | undefined;

  constructor(
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
        const next = this.accept(s);
        if (!next) continue;
        this.current = next;
        this.subscribers.publish([next]);
      }
    })();
  }

  /** The snapshot's values, recorded applied; undefined (recorded rejected) when an item does not parse. */
  accept(s: ConfigSnapshot): ConfigValues<T> | undefined {
    try {
      const v = parsed<T>(s);
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
  const probe = new View<T>(subscription, { namespace: subscription.snapshot.namespace, release: 0, values: {} as T, fromCache: false }, reporting);
  const first = probe.accept(subscription.snapshot);
  if (!first) {
    await subscription.close();
    throw new ClientError('LODESTONE_INVALID_VALUE', `config ${subscription.snapshot.namespace}: release ${subscription.snapshot.release} does not parse`);
  }
  const view = new View<T>(subscription, first, reporting);
  view.follow();
  return view;
}
