// A ZooKeeper session that expires closes as one that says goodbye does: its ephemerals go in one
// txn that moves their parents' pzxid and cversion (ZooKeeper's expiry is a closeSession). The
// leader runs this before it revokes the session's lease, on every member whether or not it serves
// ZooKeeper's protocol itself; a lease that holds no znode costs one look at its keys.
import type { KvBackend } from '../../rpc/kv-backend.js';
import { ZK_DATA_PREFIX } from '../layout.js';
import { ZNodeTree } from '../tree/index.js';

const dataPrefix = new TextEncoder().encode(ZK_DATA_PREFIX);

function isZnodeKey(key: Uint8Array): boolean {
  if (key.length < dataPrefix.length) return false;
  for (let i = 0; i < dataPrefix.length; i++) if (key[i] !== dataPrefix[i]) return false;
  return true;
}

/** The lease manager's beforeExpiredRevoke for a member: closes the session a lease is, if it holds znodes. */
export function closeExpiredSessions(kv: KvBackend, leaseKeys: (id: bigint) => readonly Uint8Array[]): (id: bigint) => Promise<void> {
  let tree: ZNodeTree | undefined;
  return async (id) => {
    if (!leaseKeys(id).some(isZnodeKey)) return;
    tree ??= new ZNodeTree({ kv });
    await tree.closeSession({ sessionId: id, authIds: [] });
  };
}
