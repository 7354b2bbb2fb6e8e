// What a change to the znode tree's keys means to ZooKeeper's watchers. Only the data keys carry the
// tree's shape (zookeeper/layout.ts): a data key put at version 1 is a znode created, a later put is
// its data changed, a delete is the znode deleted; a create or delete also changes its parent's
// children. The other keys of a znode change in the same revision and add nothing to tell.
import type { MvccEvent } from '../../store/mvcc/types.js';
import { ZK_DATA_PREFIX } from '../layout.js';
import { parentOf } from '../tree/index.js';

export type ZNodeEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';

export interface ZNodeEvent {
  readonly type: ZNodeEventType;
  readonly path: string;
  /** The revision (zxid) that made the change. */
  readonly revision: number;
}

const decoder = new TextDecoder();
const DATA_PREFIX_BYTES = new TextEncoder().encode(ZK_DATA_PREFIX);

function dataPath(key: Uint8Array): string | undefined {
  if (key.length <= DATA_PREFIX_BYTES.length) return undefined;
  for (let i = 0; i < DATA_PREFIX_BYTES.length; i++) if (key[i] !== DATA_PREFIX_BYTES[i]) return undefined;
  return decoder.decode(key.subarray(DATA_PREFIX_BYTES.length));
}

/** The znode events of one store event, in the order ZooKeeper triggers them (the node, then its parent). */
export function znodeEvents(event: MvccEvent): ZNodeEvent[] {
  const path = dataPath(event.kv.key);
  if (path === undefined) return [];
  const revision = event.kv.modRevision;
  if (event.type === 'delete') {
    return [
      { type: 'deleted', path, revision },
      { type: 'childrenChanged', path: parentOf(path), revision },
    ];
  }
  if (event.kv.version === 1) {
    return [
      { type: 'created', path, revision },
      { type: 'childrenChanged', path: parentOf(path), revision },
    ];
  }
  return [{ type: 'dataChanged', path, revision }];
}
