// What the KV service needs from a member. rpc/ declares it; the member in cluster/ implements it.
// Whatever may wait takes the client's CallOptions: the member gives up waiting (rejecting with
// etcd's errors) once the signal fires or the deadline passes.
import type * as st from '../store/mvcc/types.js';
import type { CallOptions } from './call-options.js';
import type { HeaderFields } from './kv-convert.js';

export interface KvBackend {
  /** A range read: linearizable (ReadIndex, then local) unless `serializable` (local state as it is). */
  range(req: st.RangeRequest, serializable: boolean, options?: CallOptions): Promise<st.RangeResponse>;
  /** A txn of reads only: served like a range, without a consensus round. */
  readTxn(req: st.TxnRequest, serializable: boolean, options?: CallOptions): Promise<st.TxnResponse>;
  /**
   * A write, replicated and applied; resolves with the applied result, of the request's own kind.
   * Rejects with etcd's errors.
   */
  write<R extends st.WriteRequest>(req: R, options?: CallOptions): Promise<st.ResponseFor<R>>;
  /** cluster_id, member_id and raft_term for response headers, as of now. */
  headerFields(): HeaderFields;
}
