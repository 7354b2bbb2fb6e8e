// The only place the scenario harness looks inside a member. Everything else goes through RawNode's
// public methods and the member's own MemoryStorage, so when the core's internals move, this one
// function is all that needs re-pointing.
import { raftOf } from '../../../raft/testing.js';
import type { ConfState, NodeId, PeerStatus, RawNode, Role } from '../../../raft/index.js';

export interface PeerView extends PeerStatus {
  /** The leader sends this member nothing new until it answers (probe sent, window full, or snapshot). */
  readonly paused: boolean;
  /** Index of the snapshot on its way to this member, in the snapshot state; else 0. */
  readonly pendingSnapshot: number;
}

export interface NodeView {
  readonly role: Role;
  readonly lead: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  /** Replication progress, on a leader only. */
  readonly progress: ReadonlyMap<NodeId, PeerView>;
}

export function peek(node: RawNode): NodeView {
  const st = node.status();
  const progress = new Map<NodeId, PeerView>();
  for (const [id, pr] of st.progress) {
    // status() leaves out flow control; the tracker holds it.
    const inner = raftOf(node).trk.progress.get(id);
    progress.set(id, { ...pr, paused: inner?.isPaused() ?? false, pendingSnapshot: inner?.pendingSnapshot ?? 0 });
  }
  return {
    role: st.softState.role,
    lead: st.softState.lead,
    term: st.hardState.term,
    vote: st.hardState.vote,
    commit: st.hardState.commit,
    applied: st.applied,
    firstIndex: st.firstIndex,
    lastIndex: st.lastIndex,
    confState: st.confState,
    leadTransferee: st.leadTransferee,
    progress,
  };
}
