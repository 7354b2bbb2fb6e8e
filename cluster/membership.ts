// Who is in the cluster, as the member API shows it: IDs, names, peer and client URLs, learners.
// The record of a member travels in the context of the configuration change that adds it, and the
// list is kept in the replicated state meta, written in the same batch as the entry that changes it.
import { metaCodecs, metaKey } from '../store/meta.js';
import type { NodeId } from '../raft/index.js';

export interface MemberRecord {
  readonly id: NodeId;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export const MEMBERS = metaKey('members', metaCodecs.json<MemberRecord[]>());

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The context of an addVoter/addLearner entry: the member being added. */
export function encodeMemberContext(m: MemberRecord): Uint8Array {
  return utf8.encode(JSON.stringify(m));
}

export function decodeMemberContext(b: Uint8Array | undefined): MemberRecord | undefined {
  if (!b || b.length === 0) return undefined;
  const v = JSON.parse(fromUtf8.decode(b)) as Partial<MemberRecord>;
  if (typeof v.id !== 'number' || typeof v.name !== 'string' || !Array.isArray(v.peerUrls)) return undefined;
  return { id: v.id, name: v.name, peerUrls: v.peerUrls, clientUrls: Array.isArray(v.clientUrls) ? v.clientUrls : [], isLearner: v.isLearner === true };
}

/** The member list after a configuration change. */
export function applyMembershipChange(
  members: readonly MemberRecord[],
  change: { type: 'addVoter' | 'addLearner' | 'removeNode'; nodeId: NodeId; context?: Uint8Array },
): MemberRecord[] {
  const rest = members.filter((m) => m.id !== change.nodeId);
  if (change.type === 'removeNode') return rest;
  const existing = members.find((m) => m.id === change.nodeId);
  const fromContext = decodeMemberContext(change.context);
  const base: MemberRecord = fromContext ?? existing ?? { id: change.nodeId, name: '', peerUrls: [], clientUrls: [], isLearner: false };
  // A promotion keeps what the cluster already knows of the member (its client URLs, say).
  const merged: MemberRecord = {
    ...base,
    name: existing?.name || base.name,
    clientUrls: existing && existing.clientUrls.length > 0 ? existing.clientUrls : base.clientUrls,
    isLearner: change.type === 'addLearner',
  };
  return [...rest, merged].sort((a, b) => a.id - b.id);
}

/** Sets a member's published attributes (name and client URLs), as etcd's publish does. */
export function withAttributes(members: readonly MemberRecord[], id: NodeId, name: string, clientUrls: readonly string[]): MemberRecord[] {
  return members.map((m) => (m.id === id ? { ...m, name, clientUrls: [...clientUrls] } : m));
}
