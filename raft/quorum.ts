// Majority arithmetic, and nothing else: which index a majority has acknowledged, and whether a
// majority voted yes. Membership changes one member at a time, so a single majority configuration
// is all that is ever in force (see README: membership changes).
import type { NodeId } from './types.js';

export type VoteResult = 'pending' | 'won' | 'lost';

/** The largest index that a majority of `voters` have acknowledged; `acked` gives 0 for unknown. */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return Number.MAX_SAFE_INTEGER; // no voters: nothing constrains commit (never used to commit)
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = acked(voters[i]!);
  idx.sort((a, b) => b - a);
  return idx[quorumSize(n) - 1]!;
}

/** Won once a majority said yes; lost once a majority can no longer be reached. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
