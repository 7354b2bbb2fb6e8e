// Requests and responses that read and replace a znode's ACL.
import { decodeACLList, decodeStat, encodeACLList, encodeStat, type ACL, type Stat } from './data-records.js';
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface GetACLRequest {
  readonly path: string;
}

export interface GetACLResponse {
  readonly acl: readonly ACL[];
  readonly stat: Stat;
}

export interface SetACLRequest {
  readonly path: string;
  readonly acl: readonly ACL[];
  /** The expected aversion; -1 matches any. */
  readonly version: number;
}

export interface SetACLResponse {
  readonly stat: Stat;
}

export function encodeGetACLRequest(w: JuteWriter, rec: GetACLRequest): void {
  w.ustring(rec.path);
}

export function decodeGetACLRequest(r: JuteReader): GetACLRequest {
  return { path: r.string('GetACLRequest.path') };
}

export function encodeGetACLResponse(w: JuteWriter, rec: GetACLResponse): void {
  encodeACLList(w, rec.acl);
  encodeStat(w, rec.stat);
}

export function decodeGetACLResponse(r: JuteReader): GetACLResponse {
  return { acl: decodeACLList(r), stat: decodeStat(r) };
}

export function encodeSetACLRequest(w: JuteWriter, rec: SetACLRequest): void {
  w.ustring(rec.path);
  encodeACLList(w, rec.acl);
  w.int(rec.version);
}

export function decodeSetACLRequest(r: JuteReader): SetACLRequest {
  return { path: r.string('SetACLRequest.path'), acl: decodeACLList(r), version: r.int('SetACLRequest.version') };
}

export function encodeSetACLResponse(w: JuteWriter, rec: SetACLResponse): void {
  encodeStat(w, rec.stat);
}

export function decodeSetACLResponse(r: JuteReader): SetACLResponse {
  return { stat: decodeStat(r) };
}
