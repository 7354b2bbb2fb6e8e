// The tests' door into the core: the Raft inside a RawNode, with its mutable state, for assertions
// and for injecting faults. Production code never imports this file.
import { CORE } from './core-key.js';
import type { Raft } from './raft.js';
import type { RawNode } from './raw-node.js';

export { Raft } from './raft.js';

export function raftOf(node: RawNode): Raft {
  return node[CORE];
}
