// What a template sees: `config` (the items of the --config namespaces' releases, later namespaces
// winning on a shared item name), `namespaces["app/env/cluster"]` (each namespace's release and
// items, also under the name as given on the command line), and `services.<name>` (the healthy
// instances of each service the template names, sorted by id). json and yaml items are their parsed
// value, text items their string.
import type { ServiceInstance } from '../../client/discovered-instance.js';
import { itemValues } from '../../client/config-center/item-values.js';
import type { ConfigSnapshot } from './sources.js';

export interface ServiceView {
  readonly id: string;
  readonly service: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  /** The weight picking uses now (passing or warning). */
  readonly weight: number;
  readonly status: string;
}

export interface NamespaceView {
  readonly namespace: string;
  readonly release: number;
  readonly items: Readonly<Record<string, unknown>>;
}

export interface TemplateContext {
  readonly config: Readonly<Record<string, unknown>>;
  readonly namespaces: Readonly<Record<string, NamespaceView>>;
  readonly services: Readonly<Record<string, readonly ServiceView[]>>;
}

function serviceView(i: ServiceInstance): ServiceView {
  return { id: i.instance, service: i.service, address: i.address, port: i.port, tags: i.tags, meta: i.meta, weights: i.weights, weight: i.weight, status: i.status };
}

/** `configs`: each --config namespace as given, with its snapshot. */
export function buildContext(
  configs: readonly { readonly given: string; readonly snapshot: ConfigSnapshot }[],
  services: ReadonlyMap<string, ReadonlyMap<string, ServiceInstance>>,
): TemplateContext {
  const config: Record<string, unknown> = {};
  const namespaces: Record<string, NamespaceView> = {};
  for (const { given, snapshot } of configs) {
    const view: NamespaceView = { namespace: snapshot.namespace, release: snapshot.release, items: itemValues(snapshot.items) };
    Object.assign(config, view.items);
    namespaces[snapshot.namespace] = view;
    namespaces[given] = view;
  }
  const byService: Record<string, ServiceView[]> = {};
  for (const [name, instances] of services) byService[name] = [...instances.values()].map(serviceView).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { config, namespaces, services: byService };
}
