// The MVCC store against a naive model: random writes, txns, compactions and reopens, checked by
// reading random spans at every readable revision.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactedError } from '../../store/errors.js';
import type { KeyValue, RequestOp, WriteRequest } from '../../store/mvcc/types.js';
import { MvccHarness, b, str } from './helpers/mvcc-harness.js';
import { MvccModel, type ModelKv, type ModelOp } from './helpers/mvcc-model.js';

const KEYS = ['a', 'ab', 'a\xff', 'b', '\xff', '\xff\xff'];
const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.string({ maxLength: 4 });
const leaseArb = fc.constantFrom(0n, 1n, -5n);

type Step =
  | { kind: 'put'; key: string; value: string; lease: bigint }
  | { kind: 'delete'; start: string; end: string | null | undefined }
  | { kind: 'casTxn'; key: string; version: number; put: { key: string; value: string }; del: string }
  | { kind: 'compact'; back: number }
  | { kind: 'reopen'; crash: boolean };

const deleteArb = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), start: keyArb, end: fc.constant(undefined) }),
  fc.record({ kind: fc.constant('delete' as const), start: keyArb, end: fc.oneof(keyArb, fc.constant(null)) }),
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb, lease: leaseArb }) },
  { weight: 2, arbitrary: deleteArb },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('casTxn' as const),
      key: keyArb,
      version: fc.nat(3),
      put: fc.record({ key: keyArb, value: valueArb }),
      del: keyArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const), crash: fc.boolean() }) },
);

const rangeEndBytes = (end: string | null | undefined): Uint8Array | undefined => (end === undefined ? undefined : end === null ? Uint8Array.of(0) : b(end));

function fromStore(kv: KeyValue): ModelKv {
  return { key: str(kv.key), value: str(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease };
}

/** The applied index at the last clean close of this run (-1: none yet). */
let cleanCloseAt = -1;

async function applyStep(h: MvccHarness, model: MvccModel, step: Step): Promise<void> {
  switch (step.kind) {
    case 'put': {
      await h.put(step.key, step.value, { lease: step.lease });
      model.apply([{ type: 'put', key: step.key, value: step.value, lease: step.lease }]);
      return;
    }
    case 'delete': {
      const end = rangeEndBytes(step.end);
      await h.del(step.start, end);
      model.apply([{ type: 'delete', start: step.start, end: step.end }]);
      return;
    }
    case 'casTxn': {
      // if version(key) = n then put (unless the delete would collide with it) else delete.
      const holds = (model.at(step.key, model.rev)?.version ?? 0) === step.version;
      const success: RequestOp[] = [{ type: 'put', request: { key: b(step.put.key), value: b(step.put.value) } }];
      const failure: RequestOp[] = [{ type: 'deleteRange', request: { key: b(step.del) } }];
      const request: WriteRequest = {
        type: 'txn',
        request: { compare: [{ key: b(step.key), result: 'equal', target: 'version', version: step.version }], success, failure },
      };
      const r = await h.write(request);
      expect(r.type === 'txn' && r.response.succeeded).toBe(holds);
      const ops: ModelOp[] = holds
        ? [{ type: 'put', key: step.put.key, value: step.put.value, lease: 0n }]
        : [{ type: 'delete', start: step.del, end: undefined }];
      model.apply(ops);
      return;
    }
    case 'compact': {
      const rev = model.rev - step.back;
      // etcd accepts compacting a never-compacted store at 0, changing nothing.
      if (rev === 0 && model.compactRev === 0) {
        await h.compact(rev);
        return;
      }
      if (rev <= model.compactRev) {
        await expect(h.compact(rev)).rejects.toThrow(CompactedError);
        return;
      }
      await h.compact(rev);
      model.compact(rev);
      return;
    }
    case 'reopen': {
      // A crash finds the checkpoint of the last clean close still in force, and replays what followed it.
      await h.store.backgroundSettled();
      const replayed = h.store.revision - (h.store.checkpointRevision || h.store.revision);
      await h.reopen({ crash: step.crash });
      expect(h.store.indexRestoredFrom).toBe(step.crash && cleanCloseAt < 0 ? 'revisions' : 'checkpoint');
      if (step.crash && cleanCloseAt >= 0) expect(h.store.revisionRecordsReplayed).toBeGreaterThanOrEqual(replayed);
      if (!step.crash) cleanCloseAt = h.store.appliedIndex;
      return;
    }
  }
}

/** Every readable revision, over a few spans. */
async function checkReads(h: MvccHarness, model: MvccModel): Promise<void> {
  expect(h.store.revision).toBe(model.rev);
  const spans: [string, string | null | undefined][] = [['a', undefined], ['\xff', undefined], ['a', 'b'], ['\x00', null], ['ab', '\xff'], ['a\xff', null]];
  for (let rev = Math.max(model.compactRev, 1); rev <= model.rev; rev++) {
    for (const [start, end] of spans) {
      const r = await h.range({ key: b(start), ...(end !== undefined ? { rangeEnd: rangeEndBytes(end) } : {}), revision: rev });
      const expected = model.range(start, end, rev);
      expect(r.kvs.map(fromStore)).toEqual(expected);
      expect(r.count).toBe(expected.length);
    }
  }
  if (model.compactRev > 1) await expect(h.range({ key: b('a'), revision: model.compactRev - 1 })).rejects.toThrow(CompactedError);
}

describe('MvccStore against a model', () => {
  it('reads what the model reads, at every revision, across compactions and reopens', async () => {
    const h = await MvccHarness.create();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 30 }), async (steps) => {
          await h.reset();
          // Leases granted up front (no revision), so that puts with them apply.
          for (const id of [1n, -5n]) await h.grant(id);
          cleanCloseAt = -1;
          const model = new MvccModel();
          for (const step of steps) {
            await applyStep(h, model, step);
            await checkReads(h, model);
          }
          // The hash survives rebuilding the index from disk, and reading it from a checkpoint.
          const hash = await h.store.hashKV();
          await h.reopen({ crash: true });
          expect(await h.store.hashKV()).toEqual(hash);
          await h.reopen();
          expect(await h.store.hashKV()).toEqual(hash);
        }),
        { numRuns: 40 },
      );
    } finally {
      await h.destroy();
    }
  });
});
