// A multi's ops planned in order into one WritePlan, and its results as ZooKeeper gives them.
import { ERROR_CODE } from '../jute/index.js';
import { isZkTreeError, ZkTreeError } from './errors.js';
import type { MultiOp, MultiResult } from './types.js';
import type { WritePlan } from './write-plan.js';
import { statOf, type ZNodeState } from './znode-state.js';

/** What an op did, with the znode as it left it (its Stat is known once the txn has a revision). */
export type MultiStep = { op: 'create'; s: ZNodeState } | { op: 'delete' } | { op: 'setData'; s: ZNodeState } | { op: 'check' };

/** A multi's failing op, carried out of the plan so that nothing is written. */
export class MultiFailure extends ZkTreeError {
  constructor(
    readonly index: number,
    readonly failed: ZkTreeError,
  ) {
    super(failed.codeName, failed.path, { cause: failed });
  }
}

async function planOne(p: WritePlan, op: MultiOp): Promise<MultiStep> {
  switch (op.op) {
    case 'create':
      return { op: 'create', s: await p.create(op.path, op.data, op.acl, op.mode, op.ttlMs) };
    case 'delete':
      await p.delete(op.path, op.version);
      return { op: 'delete' };
    case 'setData':
      return { op: 'setData', s: await p.setData(op.path, op.data, op.version) };
    case 'check':
      await p.check(op.path, op.version);
      return { op: 'check' };
  }
}

/** Plans every op in order, each seeing the earlier ones; the first refusal throws a MultiFailure. */
export async function planMulti(p: WritePlan, ops: readonly MultiOp[]): Promise<MultiStep[]> {
  const steps: MultiStep[] = [];
  for (const [i, op] of ops.entries()) {
    try {
      steps.push(await planOne(p, op));
    } catch (error) {
      if (!isZkTreeError(error)) throw error;
      throw new MultiFailure(i, error);
    }
  }
  return steps;
}

export function committedResults(steps: readonly MultiStep[], revision: number): MultiResult[] {
  return steps.map((d): MultiResult => {
    switch (d.op) {
      case 'create':
        return { op: 'create', path: d.s.path, stat: statOf(d.s, revision) };
      case 'setData':
        return { op: 'setData', stat: statOf(d.s, revision) };
      default:
        return d;
    }
  });
}

/** ZooKeeper's answer to a failed multi: Ok before the failing op, its code, RuntimeInconsistency after. */
export function failedResults(count: number, failure: MultiFailure): MultiResult[] {
  return Array.from({ length: count }, (_, i) => ({
    op: 'error',
    code: i < failure.index ? ERROR_CODE.Ok : i === failure.index ? failure.failed.code : ERROR_CODE.RuntimeInconsistency,
  }));
}
