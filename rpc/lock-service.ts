// etcd's Lock service (v3lockpb.Lock): Lock waits for the named lock and answers with the key
// that holds it, which lives as long as the lease; Unlock deletes that key.
import type * as pb from './etcd-api.js';
import type { ServiceHandlers } from './etcd-api.js';
import { header } from './kv-convert.js';
import type { ConcurrencyBackend } from './lock-backend.js';
import { concurrencyUnary } from './lock-call.js';
import { deleteKey } from './lock-kv.js';
import { acquireLock, sessionLease } from './lock-mutex.js';

export function lockService(b: ConcurrencyBackend): ServiceHandlers<'Lock'> {
  return {
    Lock: concurrencyUnary<pb.LockRequest, pb.Outgoing<pb.LockResponse>>(async (req, options) => {
      const lease = await sessionLease(b.lease, BigInt(req.lease), options);
      const held = await acquireLock(b, req.name, lease, options);
      return { header: header(b.kv.headerFields(), held.revision), key: held.key };
    }),
    Unlock: concurrencyUnary<pb.UnlockRequest, pb.Outgoing<pb.UnlockResponse>>(async (req, options) => {
      const deleted = await deleteKey(b.kv, req.key, options);
      return { header: header(b.kv.headerFields(), deleted.revision) };
    }),
  };
}
