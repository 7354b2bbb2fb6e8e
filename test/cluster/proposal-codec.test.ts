import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeProposal, encodeProposal, type Proposal } from '../../cluster/proposal-codec.js';
import type { Compare, RequestOp, TxnRequest } from '../../store/mvcc/types.js';

const bytes = fc.uint8Array({ minLength: 1, maxLength: 20 });
const int64 = fc.integer({ min: -1_000_000, max: 1_000_000_000 });
const put = fc.record({ key: bytes, value: fc.uint8Array({ maxLength: 40 }), lease: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), prevKv: fc.boolean(), ignoreValue: fc.boolean(), ignoreLease: fc.boolean() });
const del = fc.record({ key: bytes, prevKv: fc.boolean() });
const range = fc.record({
  key: bytes,
  limit: int64,
  revision: int64,
  sortOrder: fc.constantFrom('none' as const, 'ascend' as const, 'descend' as const),
  sortTarget: fc.constantFrom('key' as const, 'version' as const, 'create' as const, 'mod' as const, 'value' as const),
  keysOnly: fc.boolean(),
  countOnly: fc.boolean(),
  minModRevision: int64,
  maxModRevision: int64,
  minCreateRevision: int64,
  maxCreateRevision: int64,
});
const compare: fc.Arbitrary<Compare> = fc.oneof(
  fc.record({ result: fc.constantFrom('equal' as const, 'notEqual' as const), key: bytes, target: fc.constant('version' as const), version: int64 }),
  fc.record({ result: fc.constantFrom('greater' as const, 'less' as const), key: bytes, target: fc.constant('mod' as const), modRevision: int64 }),
  fc.record({ result: fc.constant('equal' as const), key: bytes, target: fc.constant('value' as const), value: fc.uint8Array({ maxLength: 10 }) }),
  fc.record({ result: fc.constant('equal' as const), key: bytes, rangeEnd: bytes, target: fc.constant('lease' as const), lease: fc.bigInt({ min: 0n, max: 1n << 40n }) }),
);
const { txn } = fc.letrec<{ txn: TxnRequest; op: RequestOp }>((tie) => ({
  op: fc.oneof(
    { depthSize: 'small' },
    fc.record({ type: fc.constant('put' as const), request: put }),
    fc.record({ type: fc.constant('deleteRange' as const), request: del }),
    fc.record({ type: fc.constant('range' as const), request: range }),
    fc.record({ type: fc.constant('txn' as const), request: tie('txn') as fc.Arbitrary<TxnRequest> }),
  ),
  txn: fc.record({
    compare: fc.array(compare, { maxLength: 3 }),
    success: fc.array(tie('op') as fc.Arbitrary<RequestOp>, { maxLength: 3 }),
    failure: fc.array(tie('op') as fc.Arbitrary<RequestOp>, { maxLength: 3 }),
  }),
}));
const proposal: fc.Arbitrary<Proposal> = fc.record({
  proposer: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  request: fc.oneof(
    fc.record({ type: fc.constant('put' as const), request: put }),
    fc.record({ type: fc.constant('deleteRange' as const), request: del }),
    fc.record({ type: fc.constant('txn' as const), request: txn }),
    fc.record({ type: fc.constant('compaction' as const), request: fc.record({ revision: fc.nat(), physical: fc.boolean() }) }),
    fc.record({ type: fc.constant('noop' as const) }),
    fc.record({ type: fc.constant('publish' as const), name: fc.string(), clientUrls: fc.array(fc.webUrl(), { maxLength: 3 }) }),
    fc.record({ type: fc.constant('leaseGrant' as const), request: fc.record({ id: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }), ttl: fc.integer({ min: 1, max: 9_000_000_000 }) }) }),
    fc.record({ type: fc.constant('leaseRevoke' as const), request: fc.record({ id: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }) }) }),
    fc.record({
      type: fc.constant('leaseCheckpoint' as const),
      request: fc.record({ checkpoints: fc.array(fc.record({ id: fc.bigInt({ min: 1n, max: 1n << 62n }), remainingTtl: fc.nat() }), { maxLength: 4 }) }),
    }),
    fc.record({
      type: fc.constant('alarm' as const),
      action: fc.constantFrom('activate' as const, 'deactivate' as const),
      memberId: fc.nat(),
      alarm: fc.constantFrom('NONE' as const, 'NOSPACE' as const, 'CORRUPT' as const),
    }),
  ),
});

describe('proposals in the log', () => {
  it('decode to what was encoded, for every kind of request', () => {
    fc.assert(
      fc.property(proposal, (p) => {
        expect(decodeProposal(encodeProposal(p))).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });
});

describe('auth proposals', () => {
  const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
  it('every auth operation, and a client write with its user and auth revision, decode to what was encoded', () => {
    const ops: Proposal['request'][] = [
      { type: 'auth', op: { op: 'enable' } },
      { type: 'auth', op: { op: 'disable' } },
      { type: 'auth', op: { op: 'userAdd', name: 'ünï', passwordHash: '$scrypt$x', noPassword: false } },
      { type: 'auth', op: { op: 'userAdd', name: 'np', passwordHash: '', noPassword: true } },
      { type: 'auth', op: { op: 'userDelete', name: 'a' } },
      { type: 'auth', op: { op: 'userChangePassword', name: 'a', passwordHash: 'h' } },
      { type: 'auth', op: { op: 'userGrantRole', user: 'a', role: 'r' } },
      { type: 'auth', op: { op: 'userRevokeRole', name: 'a', role: 'r' } },
      { type: 'auth', op: { op: 'roleAdd', name: 'r' } },
      { type: 'auth', op: { op: 'roleDelete', name: 'r' } },
      { type: 'auth', op: { op: 'roleGrantPermission', name: 'r', permission: { type: 'readwrite', key: b('k'), rangeEnd: b('\0') } } },
      { type: 'auth', op: { op: 'roleRevokePermission', role: 'r', key: b('k'), rangeEnd: b('') } },
      { type: 'auth', op: { op: 'authenticate', name: 'a', tokenPrefix: 'abcdefghijklmnop' } },
    ];
    for (const request of ops) {
      const p: Proposal = { proposer: 3, seq: 77, request, who: { username: 'root', revision: 12 } };
      expect(decodeProposal(encodeProposal(p))).toEqual(p);
    }
    const write: Proposal = { proposer: 1, seq: 2, request: { type: 'put', request: { key: b('k'), value: b('v') } }, who: { username: '', revision: 0 } };
    const decoded = decodeProposal(encodeProposal(write));
    expect(decoded.who).toEqual({ username: '', revision: 0 });
    // A member's own request carries no user, and costs no byte for it.
    const own: Proposal = { proposer: 1, seq: 2, request: { type: 'put', request: { key: b('k'), value: b('v') } } };
    expect(decodeProposal(encodeProposal(own)).who).toBeUndefined();
    expect(encodeProposal(own).length).toBeLessThan(encodeProposal(write).length);
  });
});
