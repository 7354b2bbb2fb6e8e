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
/** IDs of the members removed so far: peers refuse them saying so, and a removed member that missed its removal stops. */
export const REMOVED_MEMBERS = metaKey('removed-members', metaCodecs.json<NodeId[]>());

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Who asked for a configuration change, so that member can answer its client once it is applied. */
export interface ChangeOrigin {
  readonly proposer: NodeId;
  readonly seq: number;
}

/** The context of a configuration change entry: the member concerned, and who asked. */
export function encodeMemberContext(m: MemberRecord, origin?: ChangeOrigin): Uint8Array {
  return utf8.encode(JSON.stringify(origin ? { ...m, origin } : m));
}

export function decodeMemberContext(b: Uint8Array | undefined): MemberRecord | undefined {
  if (!b || b.length === 0) return undefined;
  const v = JSON.parse(fromUtf8.decode(b)) as Partial<MemberRecord>;
  if (typeof v.id !== 'number' || typeof v.name !== 'string' || !Array.isArray(v.peerUrls)) return undefined;
  return { id: v.id, name: v.name, peerUrls: v.peerUrls, clientUrls: Array.isArray(v.clientUrls) ? v.clientUrls : [], isLearner: v.isLearner === true };
}

export function decodeChangeOrigin(b: Uint8Array | undefined): ChangeOrigin | undefined {
  if (!b || b.length === 0) return undefined;
  const v = JSON.parse(fromUtf8.decode(b)) as { origin?: Partial<ChangeOrigin> };
  const o = v.origin;
  return o && typeof o.proposer === 'number' && typeof o.seq === 'number' ? { proposer: o.proposer, seq: o.seq } : undefined;
}

/** A member's peer URLs replaced (etcd's MemberUpdate). */
export function withPeerUrls(members: readonly MemberRecord[], id: NodeId, peerUrls: readonly string[]): MemberRecord[] {
  return members.map((m) => (m.id === id ? { ...m, peerUrls: [...peerUrls] } : m));
}

/** The member list after a configuration change. */
export function applyMembershipChange(
  members: readonly MemberRecord[],
  change: { type: 'addVoter' | 'addLearner' | 'removeNode'; nodeId: NodeId; context?: Uint8Array },
): MemberRecord[] {
  const rest = members.filter((m) => m.id !== change.nodeId);
  if (change.type === 'removeNode') return rest;
  const existing = members.find((m) => m.id === change.nodeId);
  // A promotion's context names the member only to carry its origin: what the cluster knows wins.
  const fromContext = existing ? undefined : decodeMemberContext(change.context);
  const base: MemberRecord = existing ?? fromContext ?? { id: change.nodeId, name: '', peerUrls: [], clientUrls: [], isLearner: false };
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
