// etcd's KV service: Range, Put, DeleteRange, Txn, Compact.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import type { KvBackend } from './kv-backend.js';
import {
  fromDeleteRangeResponse,
  fromPutResponse,
  fromRangeResponse,
  fromTxnResponse,
  header,
  isReadOnlyTxn,
  toDeleteRangeRequest,
  toPutRequest,
  toRangeRequest,
  toTxnRequest,
} from './kv-convert.js';
import { unary } from './unary.js';
import { EtcdError } from './etcd-errors.js';

export function kvService(backend: KvBackend): ServiceHandlers<'KV'> {
  return {
    Range: unary<pb.RangeRequest, pb.Outgoing<pb.RangeResponse>>(async (req, options) => {
      const r = await backend.range(toRangeRequest(req), req.serializable, options);
      return fromRangeResponse(backend.headerFields(), r);
    }),
    Put: unary<pb.PutRequest, pb.Outgoing<pb.PutResponse>>(async (req, options) => {
      const r = await backend.write({ type: 'put', request: toPutRequest(req) }, options);
      return fromPutResponse(backend.headerFields(), r.response);
    }),
    DeleteRange: unary<pb.DeleteRangeRequest, pb.Outgoing<pb.DeleteRangeResponse>>(async (req, options) => {
      const r = await backend.write({ type: 'deleteRange', request: toDeleteRangeRequest(req) }, options);
      return fromDeleteRangeResponse(backend.headerFields(), r.response);
    }),
    Txn: unary<pb.TxnRequest, pb.Outgoing<pb.TxnResponse>>(async (req, options) => {
      const txn = toTxnRequest(req);
      if (isReadOnlyTxn(txn)) {
        const serializable = [...req.success, ...req.failure].every((op) => op.request === 'request_range' && op.request_range.serializable);
        return fromTxnResponse(backend.headerFields(), await backend.readTxn(txn, serializable, options));
      }
      const r = await backend.write({ type: 'txn', request: txn }, options);
      return fromTxnResponse(backend.headerFields(), r.response);
    }),
    Compact: unary<pb.CompactionRequest, pb.Outgoing<pb.CompactionResponse>>(async (req, options) => {
      const revision = Number(req.revision);
      // Every revision below 0 lies below etcd's compaction point, which starts at -1.
      if (revision < 0) throw new EtcdError('ETCD_COMPACTED');
      const r = await backend.write({ type: 'compaction', request: { revision, physical: req.physical } }, options);
      return { header: header(backend.headerFields(), r.response.revision) };
    }),
  };
}
