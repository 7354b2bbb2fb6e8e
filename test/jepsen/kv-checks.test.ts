// The checks the runner applies to a recorded history, on hand-written histories: what "no
// acknowledged write lost" accepts and rejects, and that key-by-key checking reports every bad key.
import { describe, expect, it } from 'vitest';
import type { KvInput, KvOutput } from '../linearizability/index.js';
import { checkFinalValues, checkKeys, type KvRecord } from './kv-checks.js';

let next = 0;
function op(input: KvInput, call: number, ret: number | undefined, output?: KvOutput, outcome?: KvRecord['outcome']): KvRecord {
  const r: KvRecord = { index: next++, process: 0, member: 0, input, call, outcome: outcome ?? (ret === undefined ? 'unknown' : 'ok') };
  if (ret !== undefined) r.return = ret;
  if (output) r.output = output;
  return r;
}
const put = (key: string, value: string, call: number, ret?: number): KvRecord => op({ type: 'put', key, value }, call, ret, ret === undefined ? undefined : { type: 'put' });
const get = (key: string, value: string | null, call: number, ret: number): KvRecord => op({ type: 'get', key }, call, ret, { type: 'get', value });
const finals = (entries: [string, string | null][]): Map<string, string | null> => new Map(entries);
const budget = { perKeyMs: 5000, totalMs: 10_000 };

describe('no acknowledged write lost', () => {
  it('accepts the last acknowledged value, and a concurrent one', () => {
    const h = [put('a', 'v1', 0, 10), put('a', 'v2', 20, 40), put('a', 'v3', 25, 45)];
    expect(checkFinalValues(h, finals([['a', 'v3']]))).toEqual([]);
    expect(checkFinalValues(h, finals([['a', 'v2']]))).toEqual([]);
  });

  it('rejects a value that a later acknowledged write superseded', () => {
    const h = [put('a', 'v1', 0, 10), put('a', 'v2', 20, 40)];
    const [anomaly] = checkFinalValues(h, finals([['a', 'v1']]));
    expect(anomaly?.kind).toBe('lost-write');
    expect(anomaly?.message).toContain('older acknowledged value');
  });

  it('rejects an absent key after an acknowledged write, but not after an acknowledged delete', () => {
    const h = [put('a', 'v1', 0, 10)];
    expect(checkFinalValues(h, finals([['a', null]]))).toHaveLength(1);
    const deleted = [...h, op({ type: 'delete', key: 'a' }, 20, 30, { type: 'delete', deleted: 1 })];
    expect(checkFinalValues(deleted, finals([['a', null]]))).toEqual([]);
  });

  it('allows any write of unknown outcome to be the last, or none of them', () => {
    const h = [put('a', 'v1', 0, 10), put('a', 'v2', 5)];
    expect(checkFinalValues(h, finals([['a', 'v2']]))).toEqual([]);
    expect(checkFinalValues(h, finals([['a', 'v1']]))).toEqual([]);
  });

  it('counts a compare-and-set only when it succeeded, and rejects the value of a write reported failed', () => {
    const h = [
      put('a', 'v1', 0, 10),
      op({ type: 'cas', key: 'a', expected: 'v0', value: 'v2' }, 20, 30, { type: 'cas', succeeded: false }),
      op({ type: 'put', key: 'a', value: 'v3' }, 40, 50, undefined, 'fail'),
    ];
    expect(checkFinalValues(h, finals([['a', 'v1']]))).toEqual([]);
    expect(checkFinalValues(h, finals([['a', 'v2']]))[0]?.message).toContain('comparison false');
    expect(checkFinalValues(h, finals([['a', 'v7']]))[0]?.message).toContain('nobody wrote');
    expect(checkFinalValues(h, finals([['a', 'v3']]))[0]?.message).toContain('reported failed');
  });
});

describe('key by key', () => {
  it('reports each key that is not linearizable, and counts the rest', () => {
    const h = [
      put('good', 'v1', 0, 10),
      get('good', 'v1', 20, 30),
      put('stale', 'v2', 0, 10),
      put('stale', 'v3', 20, 30),
      get('stale', 'v2', 40, 50),
      put('phantom', 'v4', 0, 10),
      get('phantom', 'v9', 20, 30),
    ];
    const outcome = checkKeys(h, budget);
    expect(outcome.keys).toBe(3);
    expect(outcome.linearizable).toBe(1);
    expect(outcome.anomalies.map((a) => a.key).sort()).toEqual(['phantom', 'stale']);
    expect(outcome.anomalies[0]?.report).toBeTruthy();
    expect(outcome.inconclusive).toEqual([]);
  });

  it('leaves keys inconclusive once the total budget is spent', () => {
    const h = [put('a', 'v1', 0, 10), put('b', 'v2', 0, 10)];
    const outcome = checkKeys(h, { perKeyMs: 1000, totalMs: 0 });
    expect(outcome.inconclusive.sort()).toEqual(['a', 'b']);
    expect(outcome.anomalies).toEqual([]);
  });
});
