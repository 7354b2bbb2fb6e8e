// Reads one state generation back from LevelDB: replays every revision record, in revision order,
// into a fresh index (etcd's restore), and reads the state meta. This is what startup and snapshot
// install cost: one pass over the generation.
import { decodeConfState } from '../codec/raft-codec.js';
import { scan, type StoreDb } from '../db.js';
import { CorruptDataError } from '../errors.js';
import { memberMetaNameOf, STATE_SUBSPACE, StateSpace } from '../keyspace.js';
import { EMPTY_CONF_STATE, type ConfState } from '../../raft/types.js';
import { decodeIndexEntry } from './kv-codec.js';
import { KeepSet } from './keep-set.js';
import { decodeNumber, STORE_META } from './store-meta.js';
import { TreeIndexBuilder, type TreeIndex } from './tree-index.js';

export interface LoadedState {
  readonly index: TreeIndex;
  readonly revision: number;
  readonly applied: number;
  readonly confState: ConfState;
  readonly compactScheduled: number;
  readonly compactFinished: number;
  /** What the scheduled compaction keeps, when its removal from disk still has to run. */
  readonly unfinishedCompaction: KeepSet | undefined;
  readonly memberMeta: Map<string, Uint8Array>;
}

const textDecoder = new TextDecoder();

export async function loadState(db: StoreDb, space: StateSpace): Promise<LoadedState> {
  const builder = new TreeIndexBuilder();
  const storeMeta = new Map<string, Uint8Array>();
  const memberMeta = new Map<string, Uint8Array>();
  let maxMain = 0;
  await scan(
    db,
    space.all(),
    (k, v) => {
      switch (k[space.prefix.length]) {
        case STATE_SUBSPACE.revisions: {
          const main = StateSpace.mainOf(k);
          const sub = StateSpace.subOf(k);
          const e = decodeIndexEntry(v);
          if (e.tombstone) builder.tombstone(e.key, main, sub);
          else builder.put(e.key, main, sub, e.createRevision, e.version);
          if (main > maxMain) maxMain = main;
          break;
        }
        case STATE_SUBSPACE.storeMeta:
          storeMeta.set(textDecoder.decode(k.subarray(space.prefix.length + 1)), v);
          break;
        case STATE_SUBSPACE.memberMeta:
          memberMeta.set(memberMetaNameOf(k), v);
          break;
        default:
          throw new CorruptDataError(`unknown key space ${k[space.prefix.length]} in the state`);
      }
    },
    { pageSize: 4096 },
  );
  const num = (name: string): number => {
    const b = storeMeta.get(name);
    return b === undefined ? 0 : decodeNumber(b);
  };
  const index = builder.finish();
  const compactScheduled = num(STORE_META.compactScheduled);
  const compactFinished = num(STORE_META.compactFinished);
  // Revision 1 is an empty store's, as in etcd; the first write makes revision 2.
  const revision = Math.max(num(STORE_META.revision), maxMain, compactScheduled, 1);
  const keep = compactScheduled > 0 ? index.compact(compactScheduled) : undefined;
  const confBytes = storeMeta.get(STORE_META.confState);
  return {
    index,
    revision,
    applied: num(STORE_META.applied),
    confState: confBytes ? decodeConfState(confBytes) : EMPTY_CONF_STATE,
    compactScheduled,
    compactFinished,
    unfinishedCompaction: compactScheduled > compactFinished ? keep : undefined,
    memberMeta,
  };
}
