// Reads one state generation back: replays every revision record, in revision order, into a fresh
// index (etcd's restore), and collects the state meta. Records come either from LevelDB (startup) or
// straight from a snapshot stream being installed; either way this is one pass over the state.
import { decodeConfState } from '../codec/raft-codec.js';
import { scan, type StoreDb } from '../db.js';
import { CorruptDataError } from '../errors.js';
import { STATE_SUBSPACE, StateSpace } from '../keyspace.js';
import { EMPTY_CONF_STATE, type ConfState } from '../../raft/types.js';
import { decodeIndexEntry } from './kv-codec.js';
import type { KeepSet } from './keep-set.js';
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

/** Takes a generation's records with their keys relative to the generation, in key order. */
export class StateLoader {
  private readonly builder = new TreeIndexBuilder();
  private readonly storeMeta = new Map<string, Uint8Array>();
  private readonly memberMeta = new Map<string, Uint8Array>();
  private maxMain = 0;

  add(relativeKey: Uint8Array, value: Uint8Array): void {
    switch (relativeKey[0]) {
      case STATE_SUBSPACE.revisions: {
        const main = StateSpace.relativeMainOf(relativeKey);
        const sub = StateSpace.relativeSubOf(relativeKey);
        const e = decodeIndexEntry(value);
        if (e.tombstone) this.builder.tombstone(e.key, main, sub);
        else this.builder.put(e.key, main, sub, e.createRevision, e.version);
        if (main > this.maxMain) this.maxMain = main;
        break;
      }
      case STATE_SUBSPACE.storeMeta:
        this.storeMeta.set(textDecoder.decode(relativeKey.subarray(1)), value);
        break;
      case STATE_SUBSPACE.memberMeta:
        this.memberMeta.set(textDecoder.decode(relativeKey.subarray(1)), value);
        break;
      default:
        throw new CorruptDataError(`unknown key space ${relativeKey[0]} in the state`);
    }
  }

  finish(): LoadedState {
    const num = (name: string): number => {
      const b = this.storeMeta.get(name);
      return b === undefined ? 0 : decodeNumber(b);
    };
    const index = this.builder.finish();
    const compactScheduled = num(STORE_META.compactScheduled);
    const compactFinished = num(STORE_META.compactFinished);
    // Revision 1 is an empty store's, as in etcd; the first write makes revision 2.
    const revision = Math.max(num(STORE_META.revision), this.maxMain, compactScheduled, 1);
    const keep = compactScheduled > 0 ? index.compact(compactScheduled) : undefined;
    const confBytes = this.storeMeta.get(STORE_META.confState);
    return {
      index,
      revision,
      applied: num(STORE_META.applied),
      confState: confBytes ? decodeConfState(confBytes) : EMPTY_CONF_STATE,
      compactScheduled,
      compactFinished,
      unfinishedCompaction: compactScheduled > compactFinished ? keep : undefined,
      memberMeta: this.memberMeta,
    };
  }
}

export async function loadState(db: StoreDb, space: StateSpace): Promise<LoadedState> {
  const loader = new StateLoader();
  await scan(db, space.all(), (k, v) => loader.add(space.relative(k), v), { pageSize: 4096 });
  return loader.finish();
}
