// The Services page's model in Node, without a browser: the dependency graph's layout (columns,
// cycles, a service discovering itself) and how the registry state takes a watch that replays
// history before following live changes. The browser test covers the page on a real cluster.
import { describe, expect, it } from 'vitest';

interface Edge {
  readonly consumer: string;
  readonly service: string;
  readonly processes: readonly unknown[];
}
interface Laid {
  readonly nodes: { name: string; layer: number; row: number; x: number; y: number }[];
  readonly edges: (Edge & { back: boolean; path: string; bottom?: number })[];
  readonly width: number;
  readonly height: number;
}
interface Kv {
  key: string;
  value?: string;
  create_revision?: string;
  mod_revision: string;
  version?: string;
  lease?: string;
}
interface State {
  revision: number;
  load(kvs: Kv[], revision: number): void;
  applyEvents(events: { type?: string; kv: Kv }[]): void;
  historyStart(): number;
  services(): { name: string; counts: Record<string, number>; instances: { id: string; status: string; lease?: string; checks: { status: string; timeline: { revision: number; status: string; version: number }[] }[] }[] }[];
}

// The console's modules are browser JavaScript with no type declarations: loaded by URL.
const load = async <T>(path: string): Promise<T> => (await import(new URL(`../../console/pages/services/${path}`, import.meta.url).href)) as T;
const { layoutGraph } = await load<{ layoutGraph: (edges: Edge[]) => Laid }>('graph-layout.js');
const { RegistryState } = await load<{ RegistryState: new () => State }>('registry-state.js');

const edge = (consumer: string, service: string): Edge => ({ consumer, service, processes: [{}] });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('the dependency graph layout', () => {
  it('puts each consumer left of what it discovers, breaks a cycle once, and draws it below every node it spans', () => {
    const laid = layoutGraph([edge('gateway', 'checkout'), edge('checkout', 'web'), edge('web', 'db'), edge('web', 'checkout'), edge('gateway', 'db')]);
    const layer = Object.fromEntries(laid.nodes.map((n) => [n.name, n.layer]));
    expect(layer).toEqual({ gateway: 0, checkout: 1, web: 2, db: 3 });
    const back = laid.edges.filter((e) => e.back).map((e) => `${e.consumer}>${e.service}`);
    expect(back).toEqual(['web>checkout']);
    const lowest = Math.max(...laid.nodes.map((n) => n.y + 34));
    const arc = laid.edges.find((e) => e.back)!;
    expect(arc.bottom).toBeGreaterThan(lowest);
    expect(laid.height).toBeGreaterThan(arc.bottom!);
  });

  it('draws a service that discovers itself as a loop, and spreads a column by what points at it', () => {
    const laid = layoutGraph([edge('a', 'a'), edge('a', 'x'), edge('b', 'y'), edge('b', 'z')]);
    expect(laid.edges.find((e) => e.consumer === 'a' && e.service === 'a')!.back).toBe(true);
    const at = Object.fromEntries(laid.nodes.map((n) => [n.name, n]));
    expect([at['a']!.layer, at['b']!.layer, at['x']!.layer, at['y']!.layer]).toEqual([0, 0, 1, 1]);
    // x follows a (row 0), y and z follow b (row 1).
    expect(at['x']!.row).toBeLessThan(at['y']!.row);
    expect(at['x']!.row).toBeLessThan(at['z']!.row);
  });
});

describe('the registry state', () => {
  const instance = (rev: number, lease?: string): Kv => ({
    key: b64('/lodestone/services/web/web-1'),
    value: b64(JSON.stringify({ address: '10.0.0.1', port: 80, checks: [{ id: 'c1', kind: 'ttl', ttlMs: 5000 }] })),
    create_revision: String(rev),
    mod_revision: String(rev),
    version: '1',
    ...(lease ? { lease } : {}),
  });
  const health = (status: string, rev: number, version: number, create = 2): Kv => ({
    key: b64('/lodestone/health/web/web-1/c1'),
    value: b64(JSON.stringify({ status, output: status, since: rev * 1000 })),
    create_revision: String(create),
    mod_revision: String(rev),
    version: String(version),
  });

  it('takes a replay of the past into the timelines only, and later revisions into the state too', () => {
    const state = new RegistryState();
    // Read at revision 5: registered critical at 2, passing at 4, critical at 5.
    state.load([instance(2, '7b'), health('critical', 5, 3)], 5);
    expect(state.historyStart()).toBe(2);
    // The watch from revision 2 replays 2, 4 and 5 (the state stays), then 6 is new.
    state.applyEvents([{ kv: instance(2, '7b') }, { kv: health('critical', 2, 1) }]);
    state.applyEvents([{ kv: health('passing', 4, 2) }]);
    state.applyEvents([{ kv: health('critical', 5, 3) }]);
    let [web] = state.services();
    expect(web!.instances[0]!.status).toBe('critical');
    expect(web!.instances[0]!.lease).toBe('7b');
    state.applyEvents([{ kv: health('passing', 6, 4) }]);
    [web] = state.services();
    expect(web!.counts).toEqual({ passing: 1, warning: 0, critical: 0 });
    expect(web!.instances[0]!.checks[0]!.timeline.map((e) => [e.revision, e.status, e.version])).toEqual([
      [2, 'critical', 1],
      [4, 'passing', 2],
      [5, 'critical', 3],
      [6, 'passing', 4],
    ]);
    expect(state.revision).toBe(6);
  });

  it('applies a transaction’s events together, and forgets a deleted check’s timeline', () => {
    const state = new RegistryState();
    state.load([instance(2), health('passing', 3, 2)], 3);
    // Deregistration: the instance and its check's state in one revision.
    state.applyEvents([
      { type: 'DELETE', kv: { key: b64('/lodestone/services/web/web-1'), mod_revision: '4' } },
      { type: 'DELETE', kv: { key: b64('/lodestone/health/web/web-1/c1'), mod_revision: '4' } },
    ]);
    expect(state.services()).toEqual([]);
    // Registered again: a new timeline from version 1.
    state.applyEvents([{ kv: instance(5) }, { kv: health('critical', 5, 1, 5) }]);
    const [web] = state.services();
    expect(web!.instances[0]!.checks[0]!.timeline.map((e) => e.revision)).toEqual([5]);
  });
});
