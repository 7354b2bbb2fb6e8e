// Member and cluster identities, derived the way etcd derives them: a member's ID is a hash of its
// peer URLs and the cluster token, so every member computes the same IDs from --initial-cluster; the
// cluster ID is a hash of the initial members' IDs. Ours keep 53 bits so they are safe integers
// (raft's node IDs); on the wire they are uint64 like etcd's.
import { createHash } from 'node:crypto';

const MASK_53 = (1n << 53n) - 1n;

function hashToId(parts: readonly string[]): number {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  const id = Number(h.digest().readBigUInt64BE(0) & MASK_53);
  return id === 0 ? 1 : id;
}

export function memberIdFor(peerUrls: readonly string[], clusterToken: string, salt = ''): number {
  return hashToId([...[...peerUrls].sort(), clusterToken, salt]);
}

export function clusterIdFor(memberIds: readonly number[], clusterToken: string): number {
  return hashToId([...[...memberIds].sort((a, b) => a - b).map((id) => id.toString(16).padStart(16, '0')), clusterToken]);
}

/** etcd prints member and cluster IDs as lower-case hex. */
export function idToHex(id: number | bigint): string {
  return BigInt(id).toString(16);
}
