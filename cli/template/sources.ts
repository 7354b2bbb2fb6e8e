// What `lodestone template` renders from, behind one small interface: the config subscriptions of
// the namespaces it was given and the registry's healthy instances of the services the template
// names. The command wires it to the typed client; tests of the rendering loop may wire it to
// anything that keeps these promises.
import type { ServiceInstance } from '../../client/discovered-instance.js';
import type { ConfigSubscription, ConfigSubscriptionOptions } from '../../client/config-center/subscription.js';

export type { ConfigSnapshot, ConfigSubscription, ConfigSubscriptionOptions } from '../../client/config-center/subscription.js';

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
