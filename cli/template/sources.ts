// What `lodestone template` renders from, behind one small interface: the config subscriptions of
// the namespaces it was given and the registry's healthy instances of the services the template
// names. The command wires it to the typed client; tests of the rendering loop may wire it to
// anything that keeps these promises.
import type { ServiceInstance } from '../../client/discovered-instance.js';
import type { AppliedVia, ConfigItems } from '../../configcenter/layout.js';

/** A namespace's release meant for this instance (the shared subscription contract). */
export interface ConfigSnapshot {
  readonly namespace: string;
  /** 0: the namespace has no release yet. */
  readonly release: number;
  readonly items: ConfigItems;
  /** Started from the local cache file: the cluster was unreachable. */
  readonly fromCache: boolean;
}

export interface ConfigSubscriptionOptions {
  readonly instance?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly via?: AppliedVia;
  readonly cacheDir?: string | false;
  readonly autoReport?: boolean;
  readonly service?: string;
  readonly serviceInstance?: string;
}

/** Yields a snapshot each time the release meant for this instance changes. */
export interface ConfigSubscription extends AsyncIterable<ConfigSnapshot> {
  readonly snapshot: ConfigSnapshot;
  report(release: number, state: 'applied' | 'rejected', reason?: string): Promise<void>;
  close(): Promise<void>;
}

/** A service's healthy instances, kept current; iterating yields on every change. */
export interface ServiceFeed extends AsyncIterable<unknown> {
  readonly instances: ReadonlyMap<string, ServiceInstance>;
  close(): Promise<void>;
}

export interface TemplateSources {
  subscribeConfig(namespace: string, options: ConfigSubscriptionOptions): Promise<ConfigSubscription>;
  /** The service's healthy (passing) instances. */
  discoverHealthy(service: string): Promise<ServiceFeed>;
}
