import { describe, expect, it } from 'vitest';
import { OwnedChecks } from '../../../registry/checks/owned-checks.js';

const check = (id: string, tag: string) => ({ definition: { id }, tag });

describe('OwnedChecks: the owned checks by key, and by check id', () => {
  it('finds a check by its id through set, replace, delete and clear', () => {
    const owned = new OwnedChecks<ReturnType<typeof check>>();
    owned.set('web/1/a', check('a', 'first'));
    owned.set('web/2/a', check('a', 'second'));
    owned.set('web/1/b', check('b', 'b'));
    expect(owned.withCheckId('a').map((c) => c.tag).sort()).toEqual(['first', 'second']);
    // A key registered again with another check id leaves the old id's index.
    owned.set('web/2/a', check('c', 'moved'));
    expect(owned.withCheckId('a').map((c) => c.tag)).toEqual(['first']);
    expect(owned.withCheckId('c').map((c) => c.tag)).toEqual(['moved']);
    expect(owned.delete('web/1/a')).toBe(true);
    expect(owned.withCheckId('a')).toEqual([]);
    expect(owned.size).toBe(2);
    owned.clear();
    expect(owned.withCheckId('b')).toEqual([]);
    expect(owned.withCheckId('c')).toEqual([]);
  });
});
