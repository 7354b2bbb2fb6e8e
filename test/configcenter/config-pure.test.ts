// The config center's pure parts, without a member: item format checks, the schema check (ajv with
// allErrors and coerceTypes), item-by-item diffs, the status view and the gray guard's decision.
import { describe, expect, it } from 'vitest';
import { diffItems } from '../../configcenter/diff.js';
import { isConfigError } from '../../configcenter/errors.js';
import { abandonReason } from '../../configcenter/gray-guard.js';
import { checkItem, schemaInput } from '../../configcenter/items.js';
import type { AppliedRecord, ConfigItems, GrayRecord } from '../../configcenter/layout.js';
import { checkItems, compileSchema, requireConforming } from '../../configcenter/schema-check.js';
import { namespaceStatus } from '../../configcenter/status.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isConfigError(e) ? e.code : 'not a config error';
  }
};

describe('item formats', () => {
  it('takes text as it is, and json and yaml only when they parse', () => {
    expect(checkItem('a', 'anything: [', 'text')).toEqual({ value: 'anything: [', format: 'text' });
    expect(checkItem('b', '{"x": 1}', 'json').format).toBe('json');
    expect(checkItem('c', 'x: [1, 2]', 'yaml').format).toBe('yaml');
    expect(code(() => checkItem('d', '{x: 1}', 'json'))).toBe('CONFIG_BAD_REQUEST');
    expect(code(() => checkItem('e', 'x: [1, 2', 'yaml'))).toBe('CONFIG_BAD_REQUEST');
    expect(code(() => checkItem('bad name', 'v', 'text'))).toBe('CONFIG_BAD_REQUEST');
    expect(code(() => checkItem('f', 42, 'text'))).toBe('CONFIG_BAD_REQUEST');
  });

  it('gives a schema json and yaml items parsed, text items as strings', () => {
    const items: ConfigItems = { t: { value: '100', format: 'text' }, j: { value: '[1,2]', format: 'json' }, y: { value: 'a: b', format: 'yaml' } };
    expect(schemaInput(items)).toEqual({ t: '100', j: [1, 2], y: { a: 'b' } });
  });
});

describe('the schema check', () => {
  const schema = { type: 'object', properties: { port: { type: 'integer' }, hosts: { type: 'array', items: { type: 'string' } } }, required: ['port'] };

  it('coerces text items and lists every failure', () => {
    expect(checkItems(schema, { port: { value: '8080', format: 'text' } })).toEqual([]);
    const failed = checkItems(schema, { hosts: { value: '{"a": 1}', format: 'json' } });
    expect(failed).toEqual(expect.arrayContaining([{ path: '', message: "must have required property 'port'" }]));
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(code(() => requireConforming(schema, { port: { value: 'x', format: 'text' } }, 'the draft'))).toBe('CONFIG_SCHEMA_INVALID');
    expect(code(() => requireConforming(undefined, { port: { value: 'x', format: 'text' } }, 'the draft'))).toBeUndefined();
  });

  it('refuses a schema that does not compile', () => {
    expect(code(() => compileSchema({ type: 'nonsense' }))).toBe('CONFIG_SCHEMA_BAD');
    expect(code(() => compileSchema([]))).toBe('CONFIG_SCHEMA_BAD');
    expect(code(() => compileSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] }))).toBeUndefined();
  });
});

describe('diffs', () => {
  it('lists added, removed and changed items, sorted, and nothing for equal sets', () => {
    const a: ConfigItems = { b: { value: '1', format: 'text' }, c: { value: '2', format: 'text' }, d: { value: '{}', format: 'text' } };
    const b: ConfigItems = { a: { value: 'x', format: 'text' }, c: { value: '3', format: 'text' }, d: { value: '{}', format: 'json' } };
    expect(diffItems(a, b).map((c) => `${c.item}:${c.change}`)).toEqual(['a:added', 'b:removed', 'c:changed', 'd:changed']);
    expect(diffItems(a, a)).toEqual([]);
  });
});

const applied = (instance: string, release: number, state: 'applied' | 'rejected', extra: Partial<AppliedRecord> = {}): AppliedRecord => ({
  instance,
  release,
  state,
  labels: {},
  via: 'library',
  host: 'h',
  pid: 1,
  time: '2026-01-01T00:00:00Z',
  ...extra,
});

describe('the status view and the gray guard', () => {
  const gray: GrayRecord = { release: 3, base: 2, selector: { labels: { canary: 'true' } }, author: 'a', time: 't' };

  it('says which release each instance should run', () => {
    const s = namespaceStatus({ release: 2, lastRelease: 3 }, gray, [applied('b', 2, 'applied', { labels: { canary: 'true' } }), applied('a', 2, 'applied')]);
    expect(s.instances.map((i) => [i.instance, i.expected, i.upToDate])).toEqual([['a', 2, true], ['b', 3, false]]);
    expect(s.byRelease).toEqual({ '2': { applied: 2, rejected: 0 } });
  });

  it('abandons only for an instance running the gray release that rejected it or is critical', () => {
    const registry = (status: 'passing' | 'critical') => ({ get: () => ({ status }) as never, onChange: () => () => undefined });
    expect(abandonReason(gray, [applied('x', 2, 'rejected')], registry('passing'))).toBeUndefined();
    expect(abandonReason(gray, [applied('x', 3, 'rejected', { reason: 'bad' })], registry('passing'))).toBe('instance x rejected release 3: bad');
    const named = applied('y', 3, 'applied', { service: 'web', serviceInstance: 'web-1' });
    expect(abandonReason(gray, [named], registry('passing'))).toBeUndefined();
    expect(abandonReason(gray, [named], registry('critical'))).toContain('web/web-1');
    expect(abandonReason(gray, [applied('z', 3, 'applied')], registry('critical'))).toBeUndefined();
  });
});
