// Requests and responses that act on one znode: create, delete, exists, getData, setData, check, sync.
import { decodeACLList, decodeStat, encodeACLList, encodeStat, type ACL, type Stat } from './data-records.js';
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface CreateRequest {
  readonly path: string;
  readonly data: Buffer | null;
  readonly acl: readonly ACL[];
  /** A CreateMode (CREATE_MODE). */
  readonly flags: number;
}

export interface CreateTTLRequest extends CreateRequest {
  /** Milliseconds. */
  readonly ttl: bigint;
}

export interface CreateResponse {
  readonly path: string;
}

export interface Create2Response {
  readonly path: string;
  readonly stat: Stat;
}

export interface DeleteRequest {
  readonly path: string;
  /** -1 matches any version. */
  readonly version: number;
}

export interface ExistsRequest {
  readonly path: string;
  readonly watch: boolean;
}

export interface ExistsResponse {
  readonly stat: Stat;
}

export interface GetDataRequest {
  readonly path: string;
  readonly watch: boolean;
}

export interface GetDataResponse {
  readonly data: Buffer | null;
  readonly stat: Stat;
}

export interface SetDataRequest {
  readonly path: string;
  readonly data: Buffer | null;
  readonly version: number;
}

export interface SetDataResponse {
  readonly stat: Stat;
}

export interface CheckVersionRequest {
  readonly path: string;
  readonly version: number;
}

export interface SyncRequest {
  readonly path: string;
}

export interface SyncResponse {
  readonly path: string;
}

export function encodeCreateRequest(w: JuteWriter, rec: CreateRequest): void {
  w.ustring(rec.path).buffer(rec.data);
  encodeACLList(w, rec.acl);
  w.int(rec.flags);
}

export function decodeCreateRequest(r: JuteReader): CreateRequest {
  return { path: r.string('CreateRequest.path'), data: r.buffer('CreateRequest.data'), acl: decodeACLList(r), flags: r.int('CreateRequest.flags') };
}

export function encodeCreateTTLRequest(w: JuteWriter, rec: CreateTTLRequest): void {
  encodeCreateRequest(w, rec);
  w.long(rec.ttl);
}

export function decodeCreateTTLRequest(r: JuteReader): CreateTTLRequest {
  return { ...decodeCreateRequest(r), ttl: r.long('CreateTTLRequest.ttl') };
}

export function encodeCreateResponse(w: JuteWriter, rec: CreateResponse): void {
  w.ustring(rec.path);
}

export function decodeCreateResponse(r: JuteReader): CreateResponse {
  return { path: r.string('CreateResponse.path') };
}

export function encodeCreate2Response(w: JuteWriter, rec: Create2Response): void {
  w.ustring(rec.path);
  encodeStat(w, rec.stat);
}

export function decodeCreate2Response(r: JuteReader): Create2Response {
  return { path: r.string('Create2Response.path'), stat: decodeStat(r) };
}

export function encodeDeleteRequest(w: JuteWriter, rec: DeleteRequest): void {
  w.ustring(rec.path).int(rec.version);
}

export function decodeDeleteRequest(r: JuteReader): DeleteRequest {
  return { path: r.string('DeleteRequest.path'), version: r.int('DeleteRequest.version') };
}

export function encodeExistsRequest(w: JuteWriter, rec: ExistsRequest): void {
  w.ustring(rec.path).bool(rec.watch);
}

export function decodeExistsRequest(r: JuteReader): ExistsRequest {
  return { path: r.string('ExistsRequest.path'), watch: r.bool('ExistsRequest.watch') };
}

export function encodeExistsResponse(w: JuteWriter, rec: ExistsResponse): void {
  encodeStat(w, rec.stat);
}

export function decodeExistsResponse(r: JuteReader): ExistsResponse {
  return { stat: decodeStat(r) };
}

export function encodeGetDataRequest(w: JuteWriter, rec: GetDataRequest): void {
  w.ustring(rec.path).bool(rec.watch);
}

export function decodeGetDataRequest(r: JuteReader): GetDataRequest {
  return { path: r.string('GetDataRequest.path'), watch: r.bool('GetDataRequest.watch') };
}

export function encodeGetDataResponse(w: JuteWriter, rec: GetDataResponse): void {
  w.buffer(rec.data);
  encodeStat(w, rec.stat);
}

export function decodeGetDataResponse(r: JuteReader): GetDataResponse {
  return { data: r.buffer('GetDataResponse.data'), stat: decodeStat(r) };
}

export function encodeSetDataRequest(w: JuteWriter, rec: SetDataRequest): void {
  w.ustring(rec.path).buffer(rec.data).int(rec.version);
}

export function decodeSetDataRequest(r: JuteReader): SetDataRequest {
  return { path: r.string('SetDataRequest.path'), data: r.buffer('SetDataRequest.data'), version: r.int('SetDataRequest.version') };
}

export function encodeSetDataResponse(w: JuteWriter, rec: SetDataResponse): void {
  encodeStat(w, rec.stat);
}

export function decodeSetDataResponse(r: JuteReader): SetDataResponse {
  return { stat: decodeStat(r) };
}

export function encodeCheckVersionRequest(w: JuteWriter, rec: CheckVersionRequest): void {
  w.ustring(rec.path).int(rec.version);
}

export function decodeCheckVersionRequest(r: JuteReader): CheckVersionRequest {
  return { path: r.string('CheckVersionRequest.path'), version: r.int('CheckVersionRequest.version') };
}

export function encodeSyncRequest(w: JuteWriter, rec: SyncRequest): void {
  w.ustring(rec.path);
}

export function decodeSyncRequest(r: JuteReader): SyncRequest {
  return { path: r.string('SyncRequest.path') };
}

export function encodeSyncResponse(w: JuteWriter, rec: SyncResponse): void {
  w.ustring(rec.path);
}

export function decodeSyncResponse(r: JuteReader): SyncResponse {
  return { path: r.string('SyncResponse.path') };
}
