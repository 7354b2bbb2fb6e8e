// How a registry instance and a znode under <base>/<service>/<id> stand for each other (the base is
// /services unless --zookeeper-registry-bridge-path says otherwise, as a Curator ServiceDiscovery's
// basePath does).
//
// A znode's data is JSON naming an address (`address`, or `host` as the founding article's services
// write it) and a port; Curator's ServiceInstance ({name, id, address, port, payload, …}) is one such.
// Its `tags` and `meta` (or a `payload` object of strings) carry over. Going the other way, an
// instance becomes a ServiceInstance-shaped znode, with `registeredBy: "lodestone"` so the bridge
// never mirrors its own znodes back; mirrored instances carry meta `registered-by: zookeeper` for the
// same reason.
import { DEFAULT_WEIGHTS, type InstanceRecord } from '../../registry/layout.js';

export const SERVICES_ZNODE = '/services';
export const MIRRORED_META = 'registered-by';
export const MIRRORED_FROM_ZOOKEEPER = 'zookeeper';
export const REGISTERED_BY_LODESTONE = 'lodestone';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function parse(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(decoder.decode(data));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The service and instance a znode path names, when it is <base>/<service>/<id>. */
export function serviceZnodePath(path: string, base = SERVICES_ZNODE): { service: string; id: string } | undefined {
  if (!path.startsWith(`${base}/`)) return undefined;
  const rest = path.slice(base.length + 1).split('/');
  return rest.length === 2 && rest[0] !== '' && rest[1] !== '' ? { service: rest[0]!, id: rest[1]! } : undefined;
}

export function instanceZnodePath(service: string, id: string, base = SERVICES_ZNODE): string {
  return `${base}/${service}/${id}`;
}

/** The znodes above a service's instances, from the top: /a, /a/b for base /a/b, then the service's. */
export function serviceAncestors(service: string, base = SERVICES_ZNODE): string[] {
  const parts = base.split('/').filter((p) => p !== '');
  return [...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`), `${base}/${service}`];
}

/** True for a znode the bridge wrote itself (mirroring a registry instance). */
export function isLodestoneZnode(data: Uint8Array): boolean {
  return parse(data)?.['registeredBy'] === REGISTERED_BY_LODESTONE;
}

/** True for an instance the bridge wrote itself (mirroring a znode). */
export function isMirroredInstance(record: InstanceRecord): boolean {
  return record.meta[MIRRORED_META] === MIRRORED_FROM_ZOOKEEPER;
}

/** The instance a znode's data describes, or undefined when it names no address and port. */
export function instanceFromZnode(data: Uint8Array): InstanceRecord | undefined {
  const o = parse(data);
  if (!o) return undefined;
  const address = typeof o['address'] === 'string' ? o['address'] : typeof o['host'] === 'string' ? o['host'] : undefined;
  const port = o['port'];
  if (address === undefined || address === '' || typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  const tags = Array.isArray(o['tags']) ? o['tags'].filter((t): t is string => typeof t === 'string') : [];
  const meta = { ...(stringMap(o['payload']) ?? {}), ...(stringMap(o['meta']) ?? {}), [MIRRORED_META]: MIRRORED_FROM_ZOOKEEPER };
  return { address, port, tags, meta, weights: DEFAULT_WEIGHTS, checks: [] };
}

/** A registry instance as a Curator ServiceInstance-shaped znode value. */
export function znodeFromInstance(service: string, id: string, record: InstanceRecord, ephemeral: boolean): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      name: service,
      id,
      address: record.address,
      port: record.port,
      tags: record.tags,
      meta: record.meta,
      serviceType: ephemeral ? 'DYNAMIC' : 'PERMANENT',
      registeredBy: REGISTERED_BY_LODESTONE,
    }),
  );
}
