// Transactions: compares, then the operations of the branch they pick, applied in one revision.
//
//   await client.txn()
//     .if('config/version', 'mod', '==', seenRevision)
//     .then(Op.put('config/version', '2'), Op.delete({ prefix: 'cache/' }))
//     .else(Op.get('config/version'))
//     .commit();
import type * as st from '../store/mvcc/types.js';
import { toBytes, type Bytes, type KeyRange, type KeySelector } from './bytes.js';
import { ClientError } from './errors.js';
import { KeyValue } from './key-value.js';
import { deleteRequest, getRequest, leaseId, putRequest, rangeRequest, toDeleteResult, toPutResult, toRangeResult } from './requests.js';
import type { DeleteOptions, DeleteResult, PutOptions, PutResult, RangeResult, RangeShape, ReadOptions } from './types.js';

export type CompareOperator = '==' | '!=' | '>' | '<';

/** One operation of a transaction branch; made with Op.get / Op.range / Op.put / Op.delete. */
export class TxnOp {
  /** @internal */
  constructor(
    readonly kind: 'get' | 'range' | 'put' | 'delete',
    /** @internal */
    readonly request: st.RequestOp,
  ) {}
}

export const Op = {
  get(key: Bytes, options: Pick<ReadOptions, 'revision'> = {}): TxnOp {
    return new TxnOp('get', { type: 'range', request: getRequest(key, options) });
  },
  range(options: KeyRange & RangeShape & Pick<ReadOptions, 'revision'>): TxnOp {
    return new TxnOp('range', { type: 'range', request: rangeRequest(options) });
  },
  put(key: Bytes, value: Bytes, options: Omit<PutOptions, 'idempotent'> = {}): TxnOp {
    return new TxnOp('put', { type: 'put', request: putRequest(key, value, options) });
  },
  delete(target: KeySelector, options: Omit<DeleteOptions, 'idempotent'> = {}): TxnOp {
    return new TxnOp('delete', { type: 'deleteRange', request: deleteRequest(target, options) });
  },
} as const;

/** The result of each operation of the branch taken, in order. */
export type TxnOpResult =
  | { readonly kind: 'get'; readonly kv: KeyValue | undefined }
  | ({ readonly kind: 'range' } & RangeResult)
  | ({ readonly kind: 'put' } & PutResult)
  | ({ readonly kind: 'delete' } & DeleteResult);

export interface TxnResult {
  /** Whether every compare held (the `then` branch ran) or not (`else`). */
  readonly succeeded: boolean;
  readonly revision: number;
  readonly results: readonly TxnOpResult[];
}

/** What runs a transaction: a transport, told whether it only reads and whether it may be retried. */
export type TxnCommitter = (request: st.TxnRequest, retry: { readOnly: boolean; idempotent: boolean }) => Promise<st.TxnResponse>;

const RESULTS: Record<CompareOperator, st.CompareResult> = { '==': 'equal', '!=': 'notEqual', '>': 'greater', '<': 'less' };

export class TxnBuilder {
  private readonly compares: st.Compare[] = [];
  private success: TxnOp[] = [];
  private failure: TxnOp[] = [];
  private committed = false;

  /** @internal */
  constructor(private readonly committer: TxnCommitter) {}

  /** Compares the key's value with `value`. */
  if(key: Bytes, target: 'value', op: CompareOperator, value: Bytes): this;
  /** Compares the key's version, create revision or mod revision (0 when the key does not exist). */
  if(key: Bytes, target: 'version' | 'create' | 'mod', op: CompareOperator, value: number): this;
  /** Compares the key's lease (0n for none). */
  if(key: Bytes, target: 'lease', op: CompareOperator, value: bigint | { readonly id: bigint }): this;
  if(key: Bytes, target: 'value' | 'version' | 'create' | 'mod' | 'lease', op: CompareOperator, value: Bytes | number | bigint | { readonly id: bigint }): this {
    const result = RESULTS[op];
    if (result === undefined) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `unknown compare operator ${String(op)}`);
    const base = { key: toBytes(key), result };
    switch (target) {
      case 'value':
        this.compares.push({ ...base, target, value: toBytes(value as Bytes) });
        break;
      case 'version':
        this.compares.push({ ...base, target, version: compareNumber(value) });
        break;
      case 'create':
        this.compares.push({ ...base, target, createRevision: compareNumber(value) });
        break;
      case 'mod':
        this.compares.push({ ...base, target, modRevision: compareNumber(value) });
        break;
      case 'lease':
        this.compares.push({ ...base, target, lease: leaseId(value as bigint | { readonly id: bigint }) });
        break;
      default: {
        const never: never = target;
        throw new ClientError('LODESTONE_INVALID_ARGUMENT', `unknown compare target ${String(never)}`);
      }
    }
    return this;
  }

  /** The operations to run when every compare holds. */
  then(...ops: TxnOp[]): this {
    this.success = this.success.concat(ops);
    return this;
  }

  /** The operations to run otherwise. */
  else(...ops: TxnOp[]): this {
    this.failure = this.failure.concat(ops);
    return this;
  }

  /**
   * Runs the transaction. One that only reads is retried like a read; one that writes is retried
   * only when it certainly was not applied, unless `idempotent`.
   */
  async commit(options: { readonly idempotent?: boolean } = {}): Promise<TxnResult> {
    if (this.committed) throw new ClientError('LODESTONE_INVALID_ARGUMENT', 'a transaction is committed once');
    this.committed = true;
    const readOnly = [...this.success, ...this.failure].every((op) => op.request.type === 'range');
    const res = await this.committer(
      { compare: this.compares, success: this.success.map((o) => o.request), failure: this.failure.map((o) => o.request) },
      { readOnly, idempotent: options.idempotent ?? false },
    );
    const ops = res.succeeded ? this.success : this.failure;
    return { succeeded: res.succeeded, revision: res.revision, results: res.responses.map((r, i) => opResult(ops[i]!, r)) };
  }
}

function compareNumber(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a version or revision compare takes an integer, not ${String(v)}`);
  return v;
}

function opResult(op: TxnOp, r: st.ResponseOp): TxnOpResult {
  switch (r.type) {
    case 'range': {
      const range = toRangeResult(r.response);
      return op.kind === 'get' ? { kind: 'get', kv: range.kvs[0] } : { kind: 'range', ...range };
    }
    case 'put':
      return { kind: 'put', ...toPutResult(r.response) };
    case 'deleteRange':
      return { kind: 'delete', ...toDeleteResult(r.response) };
    case 'txn':
      throw new ClientError('LODESTONE_RPC_FAILED', 'a nested transaction result where none was asked for');
  }
}
