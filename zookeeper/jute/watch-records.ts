// Watches: the event the server pushes, the watches a client re-arms after reconnecting, and the
// 3.5/3.6 requests that add, remove and check watches.
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface WatcherEvent {
  /** An EVENT_TYPE. */
  readonly type: number;
  /** A KEEPER_STATE. */
  readonly state: number;
  readonly path: string;
}

export interface SetWatches {
  readonly relativeZxid: bigint;
  readonly dataWatches: readonly string[];
  readonly existWatches: readonly string[];
  readonly childWatches: readonly string[];
}

export interface SetWatches2 extends SetWatches {
  readonly persistentWatches: readonly string[];
  readonly persistentRecursiveWatches: readonly string[];
}

export interface AddWatchRequest {
  readonly path: string;
  /** An ADD_WATCH_MODE. */
  readonly mode: number;
}

export interface RemoveWatchesRequest {
  readonly path: string;
  /** A WATCHER_TYPE. */
  readonly type: number;
}

export interface CheckWatchesRequest {
  readonly path: string;
  readonly type: number;
}

export function encodeWatcherEvent(w: JuteWriter, rec: WatcherEvent): void {
  w.int(rec.type).int(rec.state).ustring(rec.path);
}

export function decodeWatcherEvent(r: JuteReader): WatcherEvent {
  return { type: r.int('WatcherEvent.type'), state: r.int('WatcherEvent.state'), path: r.string('WatcherEvent.path') };
}

export function encodeSetWatches(w: JuteWriter, rec: SetWatches): void {
  w.long(rec.relativeZxid).stringVector(rec.dataWatches).stringVector(rec.existWatches).stringVector(rec.childWatches);
}

export function decodeSetWatches(r: JuteReader): SetWatches {
  return {
    relativeZxid: r.long('SetWatches.relativeZxid'),
    dataWatches: r.stringList('SetWatches.dataWatches'),
    existWatches: r.stringList('SetWatches.existWatches'),
    childWatches: r.stringList('SetWatches.childWatches'),
  };
}

export function encodeSetWatches2(w: JuteWriter, rec: SetWatches2): void {
  encodeSetWatches(w, rec);
  w.stringVector(rec.persistentWatches).stringVector(rec.persistentRecursiveWatches);
}

export function decodeSetWatches2(r: JuteReader): SetWatches2 {
  return {
    ...decodeSetWatches(r),
    persistentWatches: r.stringList('SetWatches2.persistentWatches'),
    persistentRecursiveWatches: r.stringList('SetWatches2.persistentRecursiveWatches'),
  };
}

export function encodeAddWatchRequest(w: JuteWriter, rec: AddWatchRequest): void {
  w.ustring(rec.path).int(rec.mode);
}

export function decodeAddWatchRequest(r: JuteReader): AddWatchRequest {
  return { path: r.string('AddWatchRequest.path'), mode: r.int('AddWatchRequest.mode') };
}

export function encodeRemoveWatchesRequest(w: JuteWriter, rec: RemoveWatchesRequest): void {
  w.ustring(rec.path).int(rec.type);
}

export function decodeRemoveWatchesRequest(r: JuteReader): RemoveWatchesRequest {
  return { path: r.string('RemoveWatchesRequest.path'), type: r.int('RemoveWatchesRequest.type') };
}

export function encodeCheckWatchesRequest(w: JuteWriter, rec: CheckWatchesRequest): void {
  w.ustring(rec.path).int(rec.type);
}

export function decodeCheckWatchesRequest(r: JuteReader): CheckWatchesRequest {
  return { path: r.string('CheckWatchesRequest.path'), type: r.int('CheckWatchesRequest.type') };
}
