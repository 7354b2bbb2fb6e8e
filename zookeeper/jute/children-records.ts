// Requests and responses that list a znode's children or count and list descendants.
import { decodeStat, encodeStat, type Stat } from './data-records.js';
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface GetChildrenRequest {
  readonly path: string;
  readonly watch: boolean;
}

export interface GetChildrenResponse {
  readonly children: readonly string[];
}

export interface GetChildren2Request {
  readonly path: string;
  readonly watch: boolean;
}

export interface GetChildren2Response {
  readonly children: readonly string[];
  readonly stat: Stat;
}

export interface GetEphemeralsRequest {
  readonly prefixPath: string;
}

export interface GetEphemeralsResponse {
  readonly ephemerals: readonly string[];
}

export interface GetAllChildrenNumberRequest {
  readonly path: string;
}

export interface GetAllChildrenNumberResponse {
  readonly totalNumber: number;
}

export function encodeGetChildrenRequest(w: JuteWriter, rec: GetChildrenRequest): void {
  w.ustring(rec.path).bool(rec.watch);
}

export function decodeGetChildrenRequest(r: JuteReader): GetChildrenRequest {
  return { path: r.string('GetChildrenRequest.path'), watch: r.bool('GetChildrenRequest.watch') };
}

export function encodeGetChildrenResponse(w: JuteWriter, rec: GetChildrenResponse): void {
  w.stringVector(rec.children);
}

export function decodeGetChildrenResponse(r: JuteReader): GetChildrenResponse {
  return { children: r.stringList('GetChildrenResponse.children') };
}

export function encodeGetChildren2Request(w: JuteWriter, rec: GetChildren2Request): void {
  w.ustring(rec.path).bool(rec.watch);
}

export function decodeGetChildren2Request(r: JuteReader): GetChildren2Request {
  return { path: r.string('GetChildren2Request.path'), watch: r.bool('GetChildren2Request.watch') };
}

export function encodeGetChildren2Response(w: JuteWriter, rec: GetChildren2Response): void {
  w.stringVector(rec.children);
  encodeStat(w, rec.stat);
}

export function decodeGetChildren2Response(r: JuteReader): GetChildren2Response {
  return { children: r.stringList('GetChildren2Response.children'), stat: decodeStat(r) };
}

export function encodeGetEphemeralsRequest(w: JuteWriter, rec: GetEphemeralsRequest): void {
  w.ustring(rec.prefixPath);
}

export function decodeGetEphemeralsRequest(r: JuteReader): GetEphemeralsRequest {
  return { prefixPath: r.string('GetEphemeralsRequest.prefixPath') };
}

export function encodeGetEphemeralsResponse(w: JuteWriter, rec: GetEphemeralsResponse): void {
  w.stringVector(rec.ephemerals);
}

export function decodeGetEphemeralsResponse(r: JuteReader): GetEphemeralsResponse {
  return { ephemerals: r.stringList('GetEphemeralsResponse.ephemerals') };
}

export function encodeGetAllChildrenNumberRequest(w: JuteWriter, rec: GetAllChildrenNumberRequest): void {
  w.ustring(rec.path);
}

export function decodeGetAllChildrenNumberRequest(r: JuteReader): GetAllChildrenNumberRequest {
  return { path: r.string('GetAllChildrenNumberRequest.path') };
}

export function encodeGetAllChildrenNumberResponse(w: JuteWriter, rec: GetAllChildrenNumberResponse): void {
  w.int(rec.totalNumber);
}

export function decodeGetAllChildrenNumberResponse(r: JuteReader): GetAllChildrenNumberResponse {
  return { totalNumber: r.int('GetAllChildrenNumberResponse.totalNumber') };
}
