// The subscription's local cache file: one per namespace, replaced whole, and a file that is not a
// cached release read as none.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFile, readCache, writeCache } from '../../client/config-center/config-cache.js';
import { parseNamespace } from '../../configcenter/layout.js';

describe('config cache file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cache-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one file per namespace and reads back the last release written', async () => {
    const sub = join(dir, 'nested');
    const file = cacheFile(sub, parseNamespace('shop/prod'));
    expect(file).toBe(join(sub, 'shop+prod+default.json'));
    await writeCache(file, sub, { namespace: 'shop/prod/default', release: 1, items: { a: { value: '1', format: 'text' } }, saved: 't1' });
    await writeCache(file, sub, { namespace: 'shop/prod/default', release: 2, items: { a: { value: '2', format: 'text' } }, saved: 't2' });
    expect(await readCache(file)).toEqual({ namespace: 'shop/prod/default', release: 2, items: { a: { value: '2', format: 'text' } }, saved: 't2' });
    // Written beside and renamed: no temporary file is left.
    expect(await readdir(sub)).toEqual(['shop+prod+default.json']);
  });

  it('reads a missing or foreign file as no cache', async () => {
    expect(await readCache(join(dir, 'none.json'))).toBeUndefined();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"release": "x"}');
    expect(await readCache(bad)).toBeUndefined();
    await writeFile(bad, 'not json');
    expect(await readCache(bad)).toBeUndefined();
  });
});
