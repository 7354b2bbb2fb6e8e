// The pure parts of `lodestone service`: Go durations, aligned tables, the dependency graph (edges
// from consumer keys, cycles, the tree) and the changes `watch` reports between two states.
import { describe, expect, it } from 'vitest';
import { cyclesOf, dependencyTree, edgesOf, readConsumerKey, type DependencyEdge } from '../../cli/service/dependency-graph.js';
import { formatDuration, parseDuration } from '../../cli/service/duration.js';
import { table } from '../../cli/service/output.js';
import type { InstanceJson } from '../../cli/service/service-listing.js';
import { diff } from '../../cli/service/watch-changes.js';

const encoder = new TextEncoder();

describe('durations', () => {
  it('reads Go durations and refuses anything else', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2h')).toBe(7_200_000);
    for (const bad of ['', '10', 's', '10x', '1m 30s', '-1s', '10s!']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });

  it('writes them back shortest', () => {
    expect([250, 1000, 1500, 90_000, 3_600_000, 3_660_000].map(formatDuration)).toEqual(['250ms', '1s', '1.5s', '1m30s', '1h', '1h1m']);
  });
});

describe('table', () => {
  it('aligns columns under their headers, with no trailing spaces', () => {
    expect(table(['A', 'LONGER', 'C'], [['wide cell', 'x', ''], ['y', 'z', 'last']])).toBe(['A           LONGER   C', 'wide cell   x', 'y           z        last'].join('\n'));
  });
});

describe('the dependency graph', () => {
  const edge = (consumer: string, service: string): DependencyEdge => ({ consumer, service, instances: 1, processes: [] });

  it('groups consumer keys into edges by the consumer they name, reading odd values leniently', () => {
    const key = (service: string, consumer: string) => encoder.encode(`/lodestone/consumers/${service}/${consumer}`);
    const record = (consumer: string, pid: number) => encoder.encode(JSON.stringify({ consumer, host: 'h', pid, since: 5 }));
    const edges = edgesOf([
      { key: key('db', 'api@h:2:1'), value: record('api', 2) },
      { key: key('db', 'api@h:1:1'), value: record('api', 1) },
      // Not JSON: the key names the consumer up to its "@".
      { key: key('db', 'batch@h:9:1'), value: encoder.encode('hello') },
      // Not a consumer key at all.
      { key: encoder.encode('/lodestone/consumers/db'), value: record('x', 0) },
      { key: key('cache', 'api@h:1:2'), value: record('api', 1) },
    ]);
    expect(edges.map((e) => [e.consumer, e.service, e.instances, e.processes.map((p) => p.pid)])).toEqual([
      ['api', 'cache', 1, [1]],
      ['api', 'db', 2, [1, 2]],
      ['batch', 'db', 1, [0]],
    ]);
    expect(readConsumerKey(encoder.encode('/lodestone/services/x/y'), record('a', 1))).toBeUndefined();
  });

  it('finds each cycle once, self-loops included, and marks them in the tree instead of following them', () => {
    const edges = [edge('web', 'api'), edge('web', 'auth'), edge('api', 'db'), edge('api', 'auth'), edge('db', 'api'), edge('auth', 'auth')];
    expect(cyclesOf(edges)).toEqual([
      ['api', 'db', 'api'],
      ['auth', 'auth'],
    ]);
    expect(dependencyTree(edges)).toBe(
      [
        'web',
        '├── api',
        '│   ├── auth',
        '│   │   └── auth  (cycle)',
        '│   └── db',
        '│       └── api  (cycle)',
        '└── auth',
        '    └── auth  (cycle)',
      ].join('\n'),
    );
  });

  it('draws a graph that is only cycles from its first node', () => {
    expect(dependencyTree([edge('a', 'b'), edge('b', 'a')])).toBe(['a', '└── b', '    └── a  (cycle)'].join('\n'));
    expect(dependencyTree([])).toBe('');
  });
});

describe('watch changes', () => {
  const instance = (id: string, status: 'passing' | 'critical', extra: Partial<InstanceJson> = {}): InstanceJson => ({
    service: 'web', id, address: '10.0.0.1', port: 80, tags: [], meta: {}, weights: { passing: 1, warning: 1 }, status, lease: 'persistent',
    checks: [{ id: `${id}-http`, name: `${id}-http`, kind: 'http', target: 'GET http://x/', status, output: status === 'passing' ? '200 OK' : 'ECONNREFUSED', since: 1 }],
    ...extra,
  });
  const snap = (...list: InstanceJson[]) => new Map(list.map((i) => [`${i.service}/${i.id}`, i]));

  it('reports registrations, deregistrations, new records and check changes, and nothing for no change', () => {
    const before = snap(instance('a', 'passing'), instance('b', 'passing'), instance('c', 'passing'));
    const after = snap(instance('a', 'critical'), instance('c', 'passing', { port: 81 }), instance('d', 'passing'));
    expect(diff(before, after, 7)).toEqual([
      expect.objectContaining({ event: 'check', id: 'a', revision: 7, check: { id: 'a-http', from: 'passing', to: 'critical', output: 'ECONNREFUSED' } }),
      expect.objectContaining({ event: 'deregistered', id: 'b' }),
      expect.objectContaining({ event: 'updated', id: 'c', port: 81 }),
      expect.objectContaining({ event: 'registered', id: 'd' }),
    ]);
    expect(diff(after, after, 8)).toEqual([]);
  });
});
