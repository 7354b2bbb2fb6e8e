import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStoreDb, type StoreDb } from '../../store/db.js';
import { CorruptDataError } from '../../store/errors.js';
import { LocalMeta } from '../../store/local-meta.js';
import { metaCodecs, metaKey } from '../../store/meta.js';
import { makeTempDir, removeDir } from './helpers/temp-dir.js';

const MEMBER_ID = metaKey('memberId', metaCodecs.bigint);
const CLUSTER_ID = metaKey('clusterId', metaCodecs.bigint);
const NAME = metaKey('name', metaCodecs.string);
const PEERS = metaKey('peers', metaCodecs.json<string[]>());
const TERM = metaKey('term', metaCodecs.number);

describe('LocalMeta', () => {
  let dir: string;
  let db: StoreDb;

  beforeEach(async () => {
    dir = await makeTempDir('meta');
    db = await openStoreDb(dir);
  });

  afterEach(async () => {
    await db.close();
    await removeDir(dir);
  });

  it('keeps typed values across a reopen', async () => {
    const meta = await LocalMeta.open(db);
    expect(meta.get(MEMBER_ID)).toBeUndefined();
    await meta.set(MEMBER_ID, 0x8e9e05c52164694dn); // a uint64 past 2^63
    await meta.set(CLUSTER_ID, 0xcdf818194e3a8c32n);
    await meta.set(NAME, 'node-ü');
    await meta.set(PEERS, ['http://127.0.0.1:2380']);
    await meta.set(TERM, 42);
    await meta.delete(NAME);
    await db.close();
    db = await openStoreDb(dir);
    const again = await LocalMeta.open(db);
    expect(again.get(MEMBER_ID)).toBe(0x8e9e05c52164694dn);
    expect(again.get(CLUSTER_ID)).toBe(0xcdf818194e3a8c32n);
    expect(again.get(NAME)).toBeUndefined();
    expect(again.get(PEERS)).toEqual(['http://127.0.0.1:2380']);
    expect(again.get(TERM)).toBe(42);
  });

  it('refuses values its codec cannot encode or decode', async () => {
    const meta = await LocalMeta.open(db);
    await expect(meta.set(TERM, 1.5)).rejects.toThrow(RangeError);
    await meta.set(NAME, 'not a number');
    expect(() => meta.get(metaKey('name', metaCodecs.number))).toThrow(CorruptDataError);
    expect(() => meta.get(metaKey('name', metaCodecs.bigint))).toThrow(CorruptDataError);
  });
});
