// multi (14) and multiRead (22): a sequence of MultiHeader + record pairs ended by the header
// {type: -1, done: true, err: -1}. In a request each op's header carries err -1, as both the Java
// client and Kazoo write it; in a response a failed op (or, when the transaction failed, every op)
// is an error result: header type -1 with the code in err and again in an ErrorResponse.
import { decodeStat, encodeStat, type Stat } from './data-records.js';
import { JuteDecodeError } from './jute-errors.js';
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';
import { decodeGetChildrenRequest, encodeGetChildrenRequest, type GetChildrenRequest } from './children-records.js';
import {
  decodeCheckVersionRequest,
  decodeCreateRequest,
  decodeCreateTTLRequest,
  decodeDeleteRequest,
  decodeGetDataRequest,
  decodeSetDataRequest,
  encodeCheckVersionRequest,
  encodeCreateRequest,
  encodeCreateTTLRequest,
  encodeDeleteRequest,
  encodeGetDataRequest,
  encodeSetDataRequest,
  type CheckVersionRequest,
  type CreateRequest,
  type CreateTTLRequest,
  type DeleteRequest,
  type GetDataRequest,
  type SetDataRequest,
} from './node-records.js';
import { OP_CODE } from './opcodes.js';

export interface MultiHeader {
  readonly type: number;
  readonly done: boolean;
  readonly err: number;
}

/** One op of a multi request, keyed by its op name. */
export type MultiOp =
  | { readonly type: 'create' | 'create2' | 'createContainer'; readonly op: CreateRequest }
  | { readonly type: 'createTTL'; readonly op: CreateTTLRequest }
  | { readonly type: 'delete'; readonly op: DeleteRequest }
  | { readonly type: 'setData'; readonly op: SetDataRequest }
  | { readonly type: 'check'; readonly op: CheckVersionRequest }
  | { readonly type: 'getChildren'; readonly op: GetChildrenRequest }
  | { readonly type: 'getData'; readonly op: GetDataRequest };

/** One result of a multi response. Every create that has a Stat (create2, TTL, container) answers create2. */
export type MultiResult =
  | { readonly type: 'create'; readonly path: string }
  | { readonly type: 'create2'; readonly path: string; readonly stat: Stat }
  | { readonly type: 'delete' }
  | { readonly type: 'check' }
  | { readonly type: 'setData'; readonly stat: Stat }
  | { readonly type: 'getData'; readonly data: Buffer | null; readonly stat: Stat }
  | { readonly type: 'getChildren'; readonly children: readonly string[] }
  | { readonly type: 'error'; readonly err: number };

const END: MultiHeader = { type: -1, done: true, err: -1 };

export function encodeMultiHeader(w: JuteWriter, rec: MultiHeader): void {
  w.int(rec.type).bool(rec.done).int(rec.err);
}

export function decodeMultiHeader(r: JuteReader): MultiHeader {
  return { type: r.int('MultiHeader.type'), done: r.bool('MultiHeader.done'), err: r.int('MultiHeader.err') };
}

export function decodeMultiRequest(r: JuteReader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (let h = decodeMultiHeader(r); !h.done; h = decodeMultiHeader(r)) ops.push(decodeMultiOp(h.type, r));
  return ops;
}

function decodeMultiOp(type: number, r: JuteReader): MultiOp {
  switch (type) {
    case OP_CODE.create:
      return { type: 'create', op: decodeCreateRequest(r) };
    case OP_CODE.create2:
      return { type: 'create2', op: decodeCreateRequest(r) };
    case OP_CODE.createContainer:
      return { type: 'createContainer', op: decodeCreateRequest(r) };
    case OP_CODE.createTTL:
      return { type: 'createTTL', op: decodeCreateTTLRequest(r) };
    case OP_CODE.delete:
      return { type: 'delete', op: decodeDeleteRequest(r) };
    case OP_CODE.setData:
      return { type: 'setData', op: decodeSetDataRequest(r) };
    case OP_CODE.check:
      return { type: 'check', op: decodeCheckVersionRequest(r) };
    case OP_CODE.getChildren:
      return { type: 'getChildren', op: decodeGetChildrenRequest(r) };
    case OP_CODE.getData:
      return { type: 'getData', op: decodeGetDataRequest(r) };
    default:
      throw new JuteDecodeError(`op type ${type} cannot be part of a multi`);
  }
}

export function encodeMultiRequest(w: JuteWriter, ops: readonly MultiOp[]): void {
  for (const o of ops) {
    encodeMultiHeader(w, { type: OP_CODE[o.type], done: false, err: -1 });
    switch (o.type) {
      case 'create':
      case 'create2':
      case 'createContainer':
        encodeCreateRequest(w, o.op);
        break;
      case 'createTTL':
        encodeCreateTTLRequest(w, o.op);
        break;
      case 'delete':
        encodeDeleteRequest(w, o.op);
        break;
      case 'setData':
        encodeSetDataRequest(w, o.op);
        break;
      case 'check':
        encodeCheckVersionRequest(w, o.op);
        break;
      case 'getChildren':
        encodeGetChildrenRequest(w, o.op);
        break;
      case 'getData':
        encodeGetDataRequest(w, o.op);
        break;
    }
  }
  encodeMultiHeader(w, END);
}

export function encodeMultiResponse(w: JuteWriter, results: readonly MultiResult[]): void {
  for (const res of results) {
    if (res.type === 'error') {
      encodeMultiHeader(w, { type: OP_CODE.error, done: false, err: res.err });
      w.int(res.err);
      continue;
    }
    encodeMultiHeader(w, { type: OP_CODE[res.type], done: false, err: 0 });
    switch (res.type) {
      case 'create':
        w.ustring(res.path);
        break;
      case 'create2':
        w.ustring(res.path);
        encodeStat(w, res.stat);
        break;
      case 'setData':
        encodeStat(w, res.stat);
        break;
      case 'getData':
        w.buffer(res.data);
        encodeStat(w, res.stat);
        break;
      case 'getChildren':
        w.stringVector(res.children);
        break;
      case 'delete':
      case 'check':
        break;
    }
  }
  encodeMultiHeader(w, END);
}

export function decodeMultiResponse(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (let h = decodeMultiHeader(r); !h.done; h = decodeMultiHeader(r)) results.push(decodeMultiResult(h, r));
  return results;
}

function decodeMultiResult(h: MultiHeader, r: JuteReader): MultiResult {
  switch (h.type) {
    case OP_CODE.error: {
      const err = r.int('ErrorResponse.err');
      // The header repeats the code; a response where they differ could not be re-encoded as it came.
      if (err !== h.err) throw new JuteDecodeError(`multi error result has err ${h.err} in its header and ${err} in its body`);
      return { type: 'error', err };
    }
    case OP_CODE.create:
      return { type: 'create', path: r.string('CreateResponse.path') };
    case OP_CODE.create2:
      return { type: 'create2', path: r.string('Create2Response.path'), stat: decodeStat(r) };
    case OP_CODE.delete:
      return { type: 'delete' };
    case OP_CODE.check:
      return { type: 'check' };
    case OP_CODE.setData:
      return { type: 'setData', stat: decodeStat(r) };
    case OP_CODE.getData:
      return { type: 'getData', data: r.buffer('GetDataResponse.data'), stat: decodeStat(r) };
    case OP_CODE.getChildren:
      return { type: 'getChildren', children: r.stringList('GetChildrenResponse.children') };
    default:
      throw new JuteDecodeError(`multi result type ${h.type} is not one ZooKeeper writes`);
  }
}

/**
 * The results ZooKeeper 3.8 answers a multi (14) with when op `failedIndex` of `count` failed with
 * `err`: the ops before it Ok (they were rolled back), the failed one its code, the ones after it
 * RuntimeInconsistency (never tried), all as error results. The reply header's err stays 0.
 * (multiRead is not all-or-nothing: each op gets its own result or error.)
 */
export function failedMultiResults(count: number, failedIndex: number, err: number): MultiResult[] {
  return Array.from({ length: count }, (_, i): MultiResult => ({ type: 'error', err: i < failedIndex ? 0 : i === failedIndex ? err : RUNTIME_INCONSISTENCY }));
}

/** KeeperException.Code.RuntimeInconsistency, kept here so the records do not depend on error-codes.ts. */
const RUNTIME_INCONSISTENCY = -2;
