// Who depends on whom: each discover() records its process as a consumer of the service under
// /lodestone/consumers/<service>/<consumer id> (registry/layout.ts consumerKey), on a lease the
// process keeps alive, so the record goes with the process; readDependencies() reads the edges back.
import { hostname } from 'node:os';
import { basename, extname } from 'node:path';
import { CONSUMERS_PREFIX, consumerKey, type ConsumerRecord } from '../registry/layout.js';
import { toText } from './bytes.js';
import type { KvClient } from './kv-client.js';
import { keepOnLease, type LeasedKeys } from './leased-keys.js';

/** One edge of the dependency graph: `consumer` discovers `service`. */
export interface DependencyEdge extends ConsumerRecord {
  readonly service: string;
  /** The key's consumer id: `<consumer>@<host>:<pid>:<n>`. */
  readonly id: string;
}

/** The program's name: its script's file name without the extension ("node" for a REPL). */
export function programName(): string {
  const script = process.argv[1];
  if (!script) return 'node';
  const name = basename(script, extname(script)).replaceAll('/', '_');
  return name.length > 0 ? name : 'node';
}

let discoveries = 0;

/** Records this process as a consumer of `service`; the record goes on close() or with the lease. */
export async function recordConsumer(client: KvClient, service: string, consumer: string, ttl: number): Promise<{ readonly key: string; readonly keys: LeasedKeys }> {
  const host = hostname();
  // Unique per process and discovery: two discoveries of one service do not share a key.
  const id = `${consumer}@${host}:${process.pid}:${++discoveries}`.replaceAll('/', '_');
  const key = consumerKey(service, id);
  const record: ConsumerRecord = { consumer, host, pid: process.pid, since: Date.now() };
  const keys = await keepOnLease(client, ttl, async (lease) => void (await client.put(key, JSON.stringify(record), { lease, idempotent: true })));
  return { key, keys };
}

/** Every recorded consumer → service edge, sorted by service then consumer. */
export async function readDependencies(client: KvClient): Promise<DependencyEdge[]> {
  const res = await client.range({ prefix: CONSUMERS_PREFIX });
  const edges: DependencyEdge[] = [];
  for (const kv of res.kvs) {
    const parts = toText(kv.key).slice(CONSUMERS_PREFIX.length).split('/');
    if (parts.length !== 2 || !parts[0] || !parts[1]) continue;
    const [service, id] = parts;
    const o = parseObject(kv.valueString);
    edges.push({
      service,
      id,
      consumer: typeof o['consumer'] === 'string' ? o['consumer'] : id.split('@')[0]!,
      host: typeof o['host'] === 'string' ? o['host'] : '',
      pid: typeof o['pid'] === 'number' ? o['pid'] : 0,
      since: typeof o['since'] === 'number' ? o['since'] : 0,
    });
  }
  return edges.sort((a, b) => a.service.localeCompare(b.service) || a.consumer.localeCompare(b.consumer) || a.id.localeCompare(b.id));
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
