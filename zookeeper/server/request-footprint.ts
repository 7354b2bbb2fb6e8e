// What a request touches, so a session's requests can run side by side where the order they were
// sent in cannot matter (two creates of different children, two reads) and one after the other where
// it can (a create under a node being created, a read of a node being written, two sequential
// creates under one parent, whose numbers follow the order sent).
import type { ZooKeeperRequest } from '../jute/index.js';
import { parentOf } from '../tree/index.js';
import { createModeOf } from './create-modes.js';

export interface Footprint {
  /** Runs alone: after everything before it, before everything after it. */
  readonly barrier: boolean;
  /** Znodes it creates, deletes or changes. */
  readonly writes: readonly string[];
  /** Znodes whose existence, data or ACL it reads. */
  readonly reads: readonly string[];
  /** Parents whose children it adds or removes. */
  readonly childWrites: readonly string[];
  /** Znodes whose children it reads. */
  readonly childReads: readonly string[];
}

const BARRIER: Footprint = { barrier: true, writes: [], reads: [], childWrites: [], childReads: [] };
const NOTHING: Footprint = { barrier: false, writes: [], reads: [], childWrites: [], childReads: [] };

function read(path: string): Footprint {
  return { ...NOTHING, reads: [path] };
}

function write(path: string): Footprint {
  return { ...NOTHING, writes: [path] };
}

export function footprintOf(req: ZooKeeperRequest): Footprint {
  switch (req.type) {
    case 'ping':
      return NOTHING;
    case 'create':
    case 'create2':
    case 'createContainer':
    case 'createTTL': {
      const { path, flags } = req.request;
      const parent = parentOf(path);
      // A sequential name comes from the parent's counter: creates under one parent keep their order.
      if (createModeOf(flags)?.includes('sequential') === true) return { ...NOTHING, writes: [parent], reads: [parent], childWrites: [parent] };
      return { ...NOTHING, writes: [path], reads: [parent], childWrites: [parent] };
    }
    case 'delete':
      return { ...NOTHING, writes: [req.request.path], childWrites: [parentOf(req.request.path)] };
    case 'setData':
    case 'setACL':
      return write(req.request.path);
    case 'exists':
    case 'getData':
    case 'getACL':
      return read(req.request.path);
    case 'getChildren':
    case 'getChildren2':
      return { ...NOTHING, reads: [req.request.path], childReads: [req.request.path] };
    default:
      // multi, sync, watches, auth, close and the rest: in order with everything.
      return BARRIER;
  }
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.includes(x));
}

/** Whether `later` must wait for `earlier` to finish. */
export function mustFollow(earlier: Footprint, later: Footprint): boolean {
  if (earlier.barrier || later.barrier) return true;
  return (
    overlaps(earlier.writes, later.writes) ||
    overlaps(earlier.writes, later.reads) ||
    overlaps(later.writes, earlier.reads) ||
    overlaps(earlier.childWrites, later.childReads) ||
    overlaps(later.childWrites, earlier.childReads) ||
    // A delete must see the children created before it, and a create the parent's deletion.
    overlaps(earlier.childWrites, later.writes) ||
    overlaps(later.childWrites, earlier.writes)
  );
}
