// Reads one state generation back: replays every revision record, in revision order, into a fresh
// index (etcd's restore), and collects the state meta and the leases. Records come either from LevelDB (startup) or
// straight from a snapshot stream being installed; either way this is one pass over the state.
// Where an index checkpoint is on disk, the index is read from it instead and only the revisions
// written after it are replayed.
import { decodeConfState } from '../codec/raft-codec.js';
import { scan, type StoreDb } from '../db.js';
import { CorruptDataError } from '../errors.js';
import { STATE_SUBSPACE, StateSpace } from '../keyspace.js';
import { EMPTY_CONF_STATE, type ConfState } from '../../raft/types.js';
import { decodeLease } from '../lease/lease-records.js';
import { LeaseTable } from '../lease/lease-table.js';
import { decodeIndexEntry } from './kv-codec.js';
import type { KeepSet } from './keep-set.js';
import { toKeyString } from './key-bytes.js';
import { decodeNumber, STORE_META } from './store-meta.js';
import { decodeMarker, readCheckpoint, type CheckpointMarker } from './index-checkpoint.js';
import { IndexReplay } from './index-replay.js';
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
  readonly leases: LeaseTable;
  /** The index checkpoint on disk that was used, if one was. */
  readonly checkpoint: CheckpointMarker | undefined;
  readonly restoredFrom: 'revisions' | 'checkpoint';
  /** Revision records read to build the index: all of them, or those after the checkpoint. */
  readonly revisionRecordsRead: number;
}

const textDecoder = new TextDecoder();

/** Takes a generation's records with their keys relative to the generation, in key order. */
export class StateLoader {
  private readonly builder = new TreeIndexBuilder();
  private readonly storeMeta = new Map<string, Uint8Array>();
  private readonly memberMeta = new Map<string, Uint8Array>();
  private readonly leases = new LeaseTable();
  private maxMain = 0;
  private records = 0;

  add(relativeKey: Uint8Array, value: Uint8Array): void {
    switch (relativeKey[0]) {
      case STATE_SUBSPACE.revisions: {
        const main = StateSpace.relativeMainOf(relativeKey);
        const sub = StateSpace.relativeSubOf(relativeKey);
        const e = decodeIndexEntry(value);
        if (e.tombstone) this.builder.tombstone(e.key, main, sub);
        else this.builder.put(e.key, main, sub, e.createRevision, e.version);
        if (main > this.maxMain) this.maxMain = main;
        this.records++;
        break;
      }
      case STATE_SUBSPACE.storeMeta:
        this.storeMeta.set(textDecoder.decode(relativeKey.subarray(1)), value);
        break;
      case STATE_SUBSPACE.memberMeta:
        this.memberMeta.set(textDecoder.decode(relativeKey.subarray(1)), value);
        break;
      case STATE_SUBSPACE.leases:
        this.leases.add(decodeLease(StateSpace.relativeLeaseIdOf(relativeKey), value));
        break;
      case STATE_SUBSPACE.leaseKeys: {
        // Lease records sort before attachments, so the lease is known by now.
        const key = StateSpace.relativeAttachedKeyOf(relativeKey);
        if (!this.leases.attach(toKeyString(key), StateSpace.relativeLeaseIdOf(relativeKey))) {
          throw new CorruptDataError('a key is attached to a lease that does not exist');
        }
        break;
      }
      default:
        throw new CorruptDataError(`unknown key space ${relativeKey[0]} in the state`);
    }
  }

  /** The applied index and revision the meta read so far records. */
  get position(): { applied: number; revision: number } {
    return { applied: this.num(STORE_META.applied), revision: this.revision };
  }

  /**
   * The state, with the index built from the revisions added, or from the checkpoint `marker` names
   * and the revisions after it.
   */
  finish(fromCheckpoint?: { marker: CheckpointMarker; replay: IndexReplay }): LoadedState {
    const index = fromCheckpoint ? fromCheckpoint.replay.finish() : this.builder.finish();
    if (fromCheckpoint) this.maxMain = Math.max(this.maxMain, fromCheckpoint.replay.maxMain);
    const compactScheduled = this.num(STORE_META.compactScheduled);
    const compactFinished = this.num(STORE_META.compactFinished);
    const revision = this.revision;
    const keep = compactScheduled > 0 ? index.compact(compactScheduled) : undefined;
    const confBytes = this.storeMeta.get(STORE_META.confState);
    return {
      index,
      revision,
      applied: this.num(STORE_META.applied),
      confState: confBytes ? decodeConfState(confBytes) : EMPTY_CONF_STATE,
      compactScheduled,
      compactFinished,
      unfinishedCompaction: compactScheduled > compactFinished ? keep : undefined,
      memberMeta: this.memberMeta,
      leases: this.leases,
      checkpoint: fromCheckpoint?.marker,
      restoredFrom: fromCheckpoint ? 'checkpoint' : 'revisions',
      revisionRecordsRead: fromCheckpoint ? fromCheckpoint.replay.records : this.records,
    };
  }

  /** Revision 1 is an empty store's, as in etcd; the first write makes revision 2. */
  private get revision(): number {
    return Math.max(this.num(STORE_META.revision), this.maxMain, this.num(STORE_META.compactScheduled), 1);
  }

  private num(name: string): number {
    const b = this.storeMeta.get(name);
    return b === undefined ? 0 : decodeNumber(b);
  }
}

export async function loadState(db: StoreDb, space: StateSpace): Promise<LoadedState> {
  const markerBytes = await db.get(space.indexCheckpointMarkerKey());
  if (markerBytes) {
    const fromCheckpoint = await loadFromCheckpoint(db, space, markerBytes);
    if (fromCheckpoint) return fromCheckpoint;
  }
  return replayAll(db, space);
}

/** The state with its index rebuilt from every revision record (etcd's restore). */
export async function replayAll(db: StoreDb, space: StateSpace): Promise<LoadedState> {
  const full = new StateLoader();
  for (const range of space.replicated()) await scan(db, range, (k, v) => full.add(space.relative(k), v), { pageSize: 4096 });
  return full.finish();
}

/**
 * The state with its index read from the checkpoint and the revisions after it replayed onto it;
 * undefined if the checkpoint does not fit the state (it covers a revision the state lacks, a chunk
 * is missing or damaged, a replayed record does not follow it).
 */
async function loadFromCheckpoint(db: StoreDb, space: StateSpace, markerBytes: Uint8Array): Promise<LoadedState | undefined> {
  try {
    const marker = decodeMarker(markerBytes);
    const meta = new StateLoader();
    await scan(db, space.meta(), (k, v) => meta.add(space.relative(k), v));
    await scan(db, space.leases(), (k, v) => meta.add(space.relative(k), v));
    const { applied, revision } = meta.position;
    if (marker.applied > applied || marker.revision > revision) return undefined;
    const chunks = await db.getMany(Array.from({ length: marker.chunks }, (_, i) => space.indexCheckpointKey(marker.slot, i)));
    if (!chunks.every((c): c is Uint8Array => c !== undefined)) return undefined;
    const replay = new IndexReplay(readCheckpoint(chunks));
    await scan(db, space.revisionsAfter(marker.revision), (k, v) => replay.add(space.relative(k), v), { pageSize: 4096 });
    return meta.finish({ marker, replay });
  } catch (err) {
    if (err instanceof CorruptDataError) return undefined;
    throw err;
  }
}
