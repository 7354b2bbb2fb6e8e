// The first state of a brand-new cluster's members. Like etcd, the initial configuration is written
// into the log itself (one addVoter entry per member, term 1, committed), not only into memory: a
// member that joins later replays those entries and so learns the configuration it joins.
import type { Entry, HardState, NodeId } from './types.js';

export interface BootstrapState {
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
}

/**
 * What every initial member writes to its empty storage before creating its RawNode. `context`
 * gives each change's context (the application's record of the member); it must be the same on
 * every member, as the entries must be.
 */
export function bootstrapState(voters: readonly NodeId[], context?: (id: NodeId) => Uint8Array): BootstrapState {
  if (voters.length === 0) throw new Error('bootstrap needs at least one voter');
  const sorted = [...voters].sort((a, b) => a - b);
  const entries: Entry[] = sorted.map((nodeId, i) => ({
    type: 'confChange',
    term: 1,
    index: i + 1,
    change: context ? { type: 'addVoter', nodeId, context: context(nodeId) } : { type: 'addVoter', nodeId },
  }));
  return { entries, hardState: { term: 1, vote: 0, commit: entries.length } };
}
