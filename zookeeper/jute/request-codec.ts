// A client's request after the handshake: a RequestHeader, then the record its op type calls for.
// decodeRequest gives a union keyed by op name, so the server switches on `type` and TypeScript
// knows the request's shape; encodeRequest writes one back (for clients and for the tests that
// prove decoding loses nothing).
import { decodeGetACLRequest, decodeSetACLRequest, encodeGetACLRequest, encodeSetACLRequest, type GetACLRequest, type SetACLRequest } from './acl-records.js';
import {
  decodeGetAllChildrenNumberRequest,
  decodeGetChildren2Request,
  decodeGetChildrenRequest,
  decodeGetEphemeralsRequest,
  encodeGetAllChildrenNumberRequest,
  encodeGetChildren2Request,
  encodeGetChildrenRequest,
  encodeGetEphemeralsRequest,
  type GetAllChildrenNumberRequest,
  type GetChildren2Request,
  type GetChildrenRequest,
  type GetEphemeralsRequest,
} from './children-records.js';
import { JuteDecodeError } from './jute-errors.js';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import { decodeMultiRequest, encodeMultiRequest, type MultiOp } from './multi-records.js';
import {
  decodeCheckVersionRequest,
  decodeCreateRequest,
  decodeCreateTTLRequest,
  decodeDeleteRequest,
  decodeExistsRequest,
  decodeGetDataRequest,
  decodeSetDataRequest,
  decodeSyncRequest,
  encodeCheckVersionRequest,
  encodeCreateRequest,
  encodeCreateTTLRequest,
  encodeDeleteRequest,
  encodeExistsRequest,
  encodeGetDataRequest,
  encodeSetDataRequest,
  encodeSyncRequest,
  type CheckVersionRequest,
  type CreateRequest,
  type CreateTTLRequest,
  type DeleteRequest,
  type ExistsRequest,
  type GetDataRequest,
  type SetDataRequest,
  type SyncRequest,
} from './node-records.js';
import { OP_CODE, opName } from './opcodes.js';
import { decodeAuthPacket, decodeRequestHeader, encodeAuthPacket, encodeRequestHeader, type AuthPacket, type RequestHeader } from './session-records.js';
import {
  decodeAddWatchRequest,
  decodeCheckWatchesRequest,
  decodeRemoveWatchesRequest,
  decodeSetWatches,
  decodeSetWatches2,
  encodeAddWatchRequest,
  encodeCheckWatchesRequest,
  encodeRemoveWatchesRequest,
  encodeSetWatches,
  encodeSetWatches2,
  type AddWatchRequest,
  type CheckWatchesRequest,
  type RemoveWatchesRequest,
  type SetWatches,
  type SetWatches2,
} from './watch-records.js';

export interface ReconfigRequest {
  readonly joiningServers: string | null;
  readonly leavingServers: string | null;
  readonly newMembers: string | null;
  readonly curConfigId: bigint;
}

export interface SaslRequest {
  readonly token: Buffer | null;
}

// Distributes over T, so each op name is its own member of the union and narrows on its own.
type Req<T extends string, R> = T extends string ? { readonly type: T; readonly header: RequestHeader; readonly request: R } : never;

export type ZooKeeperRequest =
  | Req<'create' | 'create2' | 'createContainer', CreateRequest>
  | Req<'createTTL', CreateTTLRequest>
  | Req<'delete', DeleteRequest>
  | Req<'exists', ExistsRequest>
  | Req<'getData', GetDataRequest>
  | Req<'setData', SetDataRequest>
  | Req<'getACL', GetACLRequest>
  | Req<'setACL', SetACLRequest>
  | Req<'getChildren', GetChildrenRequest>
  | Req<'getChildren2', GetChildren2Request>
  | Req<'sync', SyncRequest>
  | Req<'check', CheckVersionRequest>
  | Req<'multi' | 'multiRead', MultiOp[]>
  | Req<'reconfig', ReconfigRequest>
  | Req<'checkWatches', CheckWatchesRequest>
  | Req<'removeWatches', RemoveWatchesRequest>
  | Req<'auth', AuthPacket>
  | Req<'setWatches', SetWatches>
  | Req<'setWatches2', SetWatches2>
  | Req<'sasl', SaslRequest>
  | Req<'getEphemerals', GetEphemeralsRequest>
  | Req<'getAllChildrenNumber', GetAllChildrenNumberRequest>
  | Req<'addWatch', AddWatchRequest>
  | Req<'ping' | 'closeSession' | 'whoAmI', null>
  /** An op code clients do not send (or none ZooKeeper defines): the server answers Unimplemented. */
  | Req<'unknown', { readonly payload: Buffer }>;

export type ZooKeeperRequestType = ZooKeeperRequest['type'];

/**
 * Decodes one frame body after the handshake. Throws JuteDecodeError on a malformed or overlong
 * body; when the header itself was whole, the error's `request` holds it, so the server can answer
 * MarshallingError on that xid as ZooKeeper does.
 */
export function decodeRequest(body: Uint8Array): ZooKeeperRequest {
  const r = new JuteReader(body);
  const header = decodeRequestHeader(r);
  try {
    const req = decodeBody(header, r);
    r.end(`${req.type} request`);
    return req;
  } catch (e) {
    if (e instanceof JuteDecodeError && e.request === undefined) throw new JuteDecodeError(e.message, header);
    throw e;
  }
}

function decodeBody(header: RequestHeader, r: JuteReader): ZooKeeperRequest {
  const name = opName(header.type);
  switch (name) {
    case 'create':
    case 'create2':
    case 'createContainer':
      return { type: name, header, request: decodeCreateRequest(r) };
    case 'createTTL':
      return { type: name, header, request: decodeCreateTTLRequest(r) };
    case 'delete':
      return { type: name, header, request: decodeDeleteRequest(r) };
    case 'exists':
      return { type: name, header, request: decodeExistsRequest(r) };
    case 'getData':
      return { type: name, header, request: decodeGetDataRequest(r) };
    case 'setData':
      return { type: name, header, request: decodeSetDataRequest(r) };
    case 'getACL':
      return { type: name, header, request: decodeGetACLRequest(r) };
    case 'setACL':
      return { type: name, header, request: decodeSetACLRequest(r) };
    case 'getChildren':
      return { type: name, header, request: decodeGetChildrenRequest(r) };
    case 'getChildren2':
      return { type: name, header, request: decodeGetChildren2Request(r) };
    case 'sync':
      return { type: name, header, request: decodeSyncRequest(r) };
    case 'check':
      return { type: name, header, request: decodeCheckVersionRequest(r) };
    case 'multi':
    case 'multiRead':
      return { type: name, header, request: decodeMultiRequest(r) };
    case 'reconfig':
      return {
        type: name,
        header,
        request: { joiningServers: r.ustring('joiningServers'), leavingServers: r.ustring('leavingServers'), newMembers: r.ustring('newMembers'), curConfigId: r.long('curConfigId') },
      };
    case 'checkWatches':
      return { type: name, header, request: decodeCheckWatchesRequest(r) };
    case 'removeWatches':
      return { type: name, header, request: decodeRemoveWatchesRequest(r) };
    case 'auth':
      return { type: name, header, request: decodeAuthPacket(r) };
    case 'setWatches':
      return { type: name, header, request: decodeSetWatches(r) };
    case 'setWatches2':
      return { type: name, header, request: decodeSetWatches2(r) };
    case 'sasl':
      return { type: name, header, request: { token: r.buffer('GetSASLRequest.token') } };
    case 'getEphemerals':
      return { type: name, header, request: decodeGetEphemeralsRequest(r) };
    case 'getAllChildrenNumber':
      return { type: name, header, request: decodeGetAllChildrenNumberRequest(r) };
    case 'addWatch':
      return { type: name, header, request: decodeAddWatchRequest(r) };
    case 'ping':
    case 'closeSession':
    case 'whoAmI':
      return { type: name, header, request: null };
    case 'notification':
    case 'deleteContainer':
    case 'createSession':
    case 'error':
    case undefined:
      return { type: 'unknown', header, request: { payload: r.rest() } };
  }
}

/** The frame body of a request (header and record), as a client writes it. */
export function encodeRequest(req: ZooKeeperRequest): Buffer {
  const w = new JuteWriter();
  encodeRequestHeader(w, req.header);
  switch (req.type) {
    case 'create':
    case 'create2':
    case 'createContainer':
      encodeCreateRequest(w, req.request);
      break;
    case 'createTTL':
      encodeCreateTTLRequest(w, req.request);
      break;
    case 'delete':
      encodeDeleteRequest(w, req.request);
      break;
    case 'exists':
      encodeExistsRequest(w, req.request);
      break;
    case 'getData':
      encodeGetDataRequest(w, req.request);
      break;
    case 'setData':
      encodeSetDataRequest(w, req.request);
      break;
    case 'getACL':
      encodeGetACLRequest(w, req.request);
      break;
    case 'setACL':
      encodeSetACLRequest(w, req.request);
      break;
    case 'getChildren':
      encodeGetChildrenRequest(w, req.request);
      break;
    case 'getChildren2':
      encodeGetChildren2Request(w, req.request);
      break;
    case 'sync':
      encodeSyncRequest(w, req.request);
      break;
    case 'check':
      encodeCheckVersionRequest(w, req.request);
      break;
    case 'multi':
    case 'multiRead':
      encodeMultiRequest(w, req.request);
      break;
    case 'reconfig':
      w.ustring(req.request.joiningServers).ustring(req.request.leavingServers).ustring(req.request.newMembers).long(req.request.curConfigId);
      break;
    case 'checkWatches':
      encodeCheckWatchesRequest(w, req.request);
      break;
    case 'removeWatches':
      encodeRemoveWatchesRequest(w, req.request);
      break;
    case 'auth':
      encodeAuthPacket(w, req.request);
      break;
    case 'setWatches':
      encodeSetWatches(w, req.request);
      break;
    case 'setWatches2':
      encodeSetWatches2(w, req.request);
      break;
    case 'sasl':
      w.buffer(req.request.token);
      break;
    case 'getEphemerals':
      encodeGetEphemeralsRequest(w, req.request);
      break;
    case 'getAllChildrenNumber':
      encodeGetAllChildrenNumberRequest(w, req.request);
      break;
    case 'addWatch':
      encodeAddWatchRequest(w, req.request);
      break;
    case 'ping':
    case 'closeSession':
    case 'whoAmI':
      break;
    case 'unknown':
      w.raw(req.request.payload);
      break;
  }
  return w.toBuffer();
}

/** The op code of a request type, for building a header. */
export function requestOpCode(type: Exclude<ZooKeeperRequestType, 'unknown'>): number {
  return OP_CODE[type];
}
