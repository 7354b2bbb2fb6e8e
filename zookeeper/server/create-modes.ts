// A create request's flags as the tree's create modes.
import { CREATE_MODE } from '../jute/index.js';
import type { CreateMode } from '../tree/index.js';

const BY_FLAGS: ReadonlyMap<number, CreateMode> = new Map<number, CreateMode>([
  [CREATE_MODE.persistent, 'persistent'],
  [CREATE_MODE.ephemeral, 'ephemeral'],
  [CREATE_MODE.persistentSequential, 'persistent_sequential'],
  [CREATE_MODE.ephemeralSequential, 'ephemeral_sequential'],
  [CREATE_MODE.container, 'container'],
  [CREATE_MODE.persistentWithTtl, 'persistent_with_ttl'],
  [CREATE_MODE.persistentSequentialWithTtl, 'persistent_sequential_with_ttl'],
]);

/** The mode, or undefined for flags ZooKeeper does not define (answered BadArguments). */
export function createModeOf(flags: number): CreateMode | undefined {
  return BY_FLAGS.get(flags);
}
