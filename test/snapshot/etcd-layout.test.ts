// etcd 3.4's stored messages and keys, byte for byte as a real etcd 3.4 wrote them (the expected
// bytes were read out of an etcd 3.4.23 backend), and a state's layout read back into records.
import { describe, expect, it } from 'vitest';
import { decodeKeyValue, decodeLease, decodeRole, decodeUser, encodeKeyValue, encodeLease, encodeRole, encodeUser } from '../../store/etcd-backend/etcd-messages.js';
import { parseRevisionKey, revisionKey } from '../../store/etcd-backend/layout.js';
import { backendHash } from '../../store/etcd-backend/backend-hash.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

describe("etcd 3.4's backend records", () => {
  it('a put and a deletion in the key bucket', () => {
    const kv = { key: bytes('a'), createRevision: 2, modRevision: 3, version: 2, value: bytes('2'), lease: 0n };
    expect(hex(encodeKeyValue(kv))).toBe('0a01611002180320022a0132');
    expect(decodeKeyValue(encodeKeyValue(kv))).toEqual(kv);
    expect(hex(revisionKey({ main: 3, sub: 0 }))).toBe('00000000000000035f0000000000000000');
    expect(hex(revisionKey({ main: 5, sub: 0 }, true))).toBe('00000000000000055f000000000000000074');
    expect(parseRevisionKey(revisionKey({ main: 5, sub: 2 }, true))).toEqual({ main: 5, sub: 2, tombstone: true });
    // A deletion stores a KeyValue holding only the key.
    expect(hex(encodeKeyValue({ key: bytes('b'), createRevision: 0, modRevision: 0, version: 0, value: new Uint8Array(0), lease: 0n }))).toBe('0a0162');
  });

  it('a lease with a key attached', () => {
    const lease = { id: 0x4713a23744126e0an, ttl: 600, remainingTtl: 0 };
    expect(hex(encodeLease(lease))).toBe('088adcc9a0f4c6e8894710d804');
    expect(decodeLease(encodeLease(lease))).toEqual(lease);
    const kv = { key: bytes('lk'), createRevision: 7, modRevision: 7, version: 1, value: bytes('v'), lease: lease.id };
    expect(decodeKeyValue(encodeKeyValue(kv))).toEqual(kv);
  });

  it('users and roles', () => {
    const hash = '$2a$10$mJVPUshS/ZcHwKxFBhc/3eNJF6fFtZqFS5CfUxgkrSiCWJF/5By4W';
    const root = { name: 'root', passwordHash: hash, noPassword: false, roles: ['root'] };
    expect(hex(encodeUser(root))).toBe(`0a04726f6f74123c${Buffer.from(hash).toString('hex')}1a04726f6f742200`);
    expect(decodeUser(encodeUser(root))).toEqual(root);
    const nopass = { name: 'svc', passwordHash: '', noPassword: true, roles: [] };
    expect(decodeUser(encodeUser(nopass))).toEqual(nopass);
    const role = { name: 'r1', permissions: [{ type: 'readwrite' as const, key: bytes('foo'), rangeEnd: bytes('fop') }] };
    expect(hex(encodeRole(role))).toBe('0a027231120c08021203666f6f1a03666f70');
    expect(decodeRole(encodeRole(role))).toEqual(role);
  });

  it("etcd's Hash covers bucket names, keys and values, but not meta/consistent_index", () => {
    const at = (index: number) => [
      { name: bytes('meta'), entries: [{ key: bytes('consistent_index'), value: new Uint8Array(8).fill(index) }] },
      { name: bytes('key'), entries: [{ key: revisionKey({ main: 2, sub: 0 }), value: bytes('x') }] },
    ];
    expect(backendHash(at(1))).toBe(backendHash(at(9)));
    const changed = at(1);
    changed[1] = { name: bytes('key'), entries: [{ key: revisionKey({ main: 2, sub: 0 }), value: bytes('y') }] };
    expect(backendHash(changed)).not.toBe(backendHash(at(1)));
  });
});
