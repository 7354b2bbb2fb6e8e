// `lodestone service deps`: who depends on whom, from the consumer keys
// /lodestone/consumers/<service>/<consumer> that discovering processes keep on their leases. Each
// process is one key; the edges group them by the service the consumer says it is.
import { CONSUMERS_PREFIX, type ConsumerRecord } from '../../registry/layout.js';
import { table } from './output.js';

export interface ConsumerProcess {
  /** The key's last segment: unique per process. */
  readonly key: string;
  readonly host: string;
  readonly pid: number;
  readonly since: number;
}

export interface DependencyEdge {
  readonly consumer: string;
  readonly service: string;
  /** How many processes of the consumer discover the service. */
  readonly instances: number;
  readonly processes: readonly ConsumerProcess[];
}

const decoder = new TextDecoder();

/**
 * A consumer key and its value, read leniently (any etcd client may write one): a value that is
 * not a ConsumerRecord still makes an edge, named by the key up to its "@" ("checkout@host:pid:n").
 */
export function readConsumerKey(key: Uint8Array, value: Uint8Array): { service: string; consumer: string; process: ConsumerProcess } | undefined {
  const path = decoder.decode(key);
  if (!path.startsWith(CONSUMERS_PREFIX)) return undefined;
  const parts = path.slice(CONSUMERS_PREFIX.length).split('/');
  if (parts.length !== 2 || parts.some((p) => p.length === 0)) return undefined;
  const [service, processKey] = parts as [string, string];
  let record: Partial<ConsumerRecord> = {};
  try {
    const parsed: unknown = JSON.parse(decoder.decode(value));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) record = parsed as Partial<ConsumerRecord>;
  } catch {
    // Not JSON: the key alone names the consumer.
  }
  const at = processKey.indexOf('@');
  const consumer = typeof record.consumer === 'string' && record.consumer.length > 0 ? record.consumer : at > 0 ? processKey.slice(0, at) : processKey;
  return {
    service,
    consumer,
    process: {
      key: processKey,
      host: typeof record.host === 'string' ? record.host : '',
      pid: typeof record.pid === 'number' ? record.pid : 0,
      since: typeof record.since === 'number' ? record.since : 0,
    },
  };
}

export function edgesOf(keys: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[]): DependencyEdge[] {
  const byEdge = new Map<string, { consumer: string; service: string; processes: ConsumerProcess[] }>();
  for (const kv of keys) {
    const read = readConsumerKey(kv.key, kv.value);
    if (!read) continue;
    const id = `${read.consumer}\u0000${read.service}`;
    let edge = byEdge.get(id);
    if (!edge) byEdge.set(id, (edge = { consumer: read.consumer, service: read.service, processes: [] }));
    edge.processes.push(read.process);
  }
  return [...byEdge.values()]
    .map((e) => ({ consumer: e.consumer, service: e.service, instances: e.processes.length, processes: e.processes.sort((a, b) => a.key.localeCompare(b.key)) }))
    .sort((a, b) => (a.consumer === b.consumer ? a.service.localeCompare(b.service) : a.consumer.localeCompare(b.consumer)));
}

export function edgeTable(edges: readonly DependencyEdge[]): string {
  return table(['CONSUMER', 'SERVICE', 'INSTANCES'], edges.map((e) => [e.consumer, e.service, String(e.instances)]));
}

/** Every cycle, each once, as the path that closes it: ["a", "b", "a"]. */
export function cyclesOf(edges: readonly DependencyEdge[]): string[][] {
  const out = new Map<string, string[]>();
  const next = adjacency(edges);
  const walk = (node: string, path: string[]): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const cycle = path.slice(at);
      // The same cycle is found from each of its nodes: keep it once, by its smallest rotation.
      const start = cycle.indexOf([...cycle].sort()[0]!);
      const canonical = [...cycle.slice(start), ...cycle.slice(0, start)];
      out.set(canonical.join('\u0000'), [...canonical, canonical[0]!]);
      return;
    }
    for (const n of next.get(node) ?? []) walk(n, [...path, node]);
  };
  for (const node of nodesOf(edges)) walk(node, []);
  return [...out.values()].sort((a, b) => a.join('/').localeCompare(b.join('/')));
}

function adjacency(edges: readonly DependencyEdge[]): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.consumer, [...(next.get(e.consumer) ?? []), e.service].sort());
  return next;
}

function nodesOf(edges: readonly DependencyEdge[]): string[] {
  return [...new Set(edges.flatMap((e) => [e.consumer, e.service]))].sort();
}

/**
 * Each service with what it depends on, as a tree from those nothing depends on (then from any
 * node left, which only cycles reach). A dependency already on the path is marked, not followed.
 */
export function dependencyTree(edges: readonly DependencyEdge[]): string {
  const next = adjacency(edges);
  const depended = new Set(edges.map((e) => e.service));
  const nodes = nodesOf(edges);
  const lines: string[] = [];
  const seen = new Set<string>();
  /** `path`: from the root down to `node`, included. */
  const draw = (node: string, path: readonly string[], prefix: string): void => {
    seen.add(node);
    const children = next.get(node) ?? [];
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      const cycle = path.includes(child);
      lines.push(`${prefix}${last ? '└── ' : '├── '}${child}${cycle ? '  (cycle)' : ''}`);
      if (!cycle) draw(child, [...path, child], prefix + (last ? '    ' : '│   '));
    });
  };
  const roots = nodes.filter((n) => !depended.has(n));
  for (const root of [...roots, ...nodes]) {
    if (seen.has(root)) continue;
    lines.push(root);
    draw(root, [root], '');
  }
  return lines.join('\n');
}
