// What the server writes: a ReplyHeader, then (only when err is 0) the response record of the
// request's op — a failed multi keeps err 0 and says which op failed in its results; watch events as a reply with xid -1; and the handshake's
// ConnectResponse, which has no header. The encoders return whole frames, ready for the socket.
import { decodeGetACLResponse, decodeSetACLResponse, encodeGetACLResponse, encodeSetACLResponse, type GetACLResponse, type SetACLResponse } from './acl-records.js';
import {
  decodeGetAllChildrenNumberResponse,
  decodeGetChildren2Response,
  decodeGetChildrenResponse,
  decodeGetEphemeralsResponse,
  encodeGetAllChildrenNumberResponse,
  encodeGetChildren2Response,
  encodeGetChildrenResponse,
  encodeGetEphemeralsResponse,
  type GetAllChildrenNumberResponse,
  type GetChildren2Response,
  type GetChildrenResponse,
  type GetEphemeralsResponse,
} from './children-records.js';
import { encodeFrame } from './frame.js';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import { decodeMultiResponse, encodeMultiResponse, type MultiResult } from './multi-records.js';
import {
  decodeCreate2Response,
  decodeCreateResponse,
  decodeExistsResponse,
  decodeGetDataResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  encodeCreate2Response,
  encodeCreateResponse,
  encodeExistsResponse,
  encodeGetDataResponse,
  encodeSetDataResponse,
  encodeSyncResponse,
  type Create2Response,
  type CreateResponse,
  type ExistsResponse,
  type GetDataResponse,
  type SetDataResponse,
  type SyncResponse,
} from './node-records.js';
import { XID } from './opcodes.js';
import {
  decodeConnectResponse,
  decodeErrorResponse,
  decodeReplyHeader,
  decodeWhoAmIResponse,
  encodeConnectResponse,
  encodeErrorResponse,
  encodeReplyHeader,
  encodeWhoAmIResponse,
  type ConnectResponse,
  type ErrorResponse,
  type ReplyHeader,
  type WhoAmIResponse,
} from './session-records.js';
import { decodeWatcherEvent, encodeWatcherEvent, type WatcherEvent } from './watch-records.js';

// Distributes over T, so each op name is its own member of the union and narrows on its own.
type Res<T extends string, R> = T extends string ? { readonly type: T; readonly response: R } : never;

/** A successful reply's body, keyed by the op it answers. Ops that answer with the header alone have none. */
export type ZooKeeperResponse =
  | Res<'create', CreateResponse>
  | Res<'create2' | 'createTTL' | 'createContainer', Create2Response>
  | Res<'exists', ExistsResponse>
  | Res<'getData', GetDataResponse>
  | Res<'setData', SetDataResponse>
  | Res<'getACL', GetACLResponse>
  | Res<'setACL', SetACLResponse>
  | Res<'getChildren', GetChildrenResponse>
  | Res<'getChildren2', GetChildren2Response>
  | Res<'sync', SyncResponse>
  | Res<'multi' | 'multiRead', readonly MultiResult[]>
  | Res<'getEphemerals', GetEphemeralsResponse>
  | Res<'getAllChildrenNumber', GetAllChildrenNumberResponse>
  | Res<'whoAmI', WhoAmIResponse>
  /** ZooKeeper answers addWatch with an ErrorResponse whose err is 0. */
  | Res<'addWatch', ErrorResponse>;

export type ZooKeeperResponseType = ZooKeeperResponse['type'];

export function encodeResponse(w: JuteWriter, res: ZooKeeperResponse): void {
  switch (res.type) {
    case 'create':
      return encodeCreateResponse(w, res.response);
    case 'create2':
    case 'createTTL':
    case 'createContainer':
      return encodeCreate2Response(w, res.response);
    case 'exists':
      return encodeExistsResponse(w, res.response);
    case 'getData':
      return encodeGetDataResponse(w, res.response);
    case 'setData':
      return encodeSetDataResponse(w, res.response);
    case 'getACL':
      return encodeGetACLResponse(w, res.response);
    case 'setACL':
      return encodeSetACLResponse(w, res.response);
    case 'getChildren':
      return encodeGetChildrenResponse(w, res.response);
    case 'getChildren2':
      return encodeGetChildren2Response(w, res.response);
    case 'sync':
      return encodeSyncResponse(w, res.response);
    case 'multi':
    case 'multiRead':
      return encodeMultiResponse(w, res.response);
    case 'getEphemerals':
      return encodeGetEphemeralsResponse(w, res.response);
    case 'getAllChildrenNumber':
      return encodeGetAllChildrenNumberResponse(w, res.response);
    case 'whoAmI':
      return encodeWhoAmIResponse(w, res.response);
    case 'addWatch':
      return encodeErrorResponse(w, res.response);
  }
}

/**
 * The whole frame of a reply. Pass no response for an error (ZooKeeper sends the header alone when
 * err is not 0; a failed multi is err 0 with failedMultiResults) and for ops with no body.
 */
export function encodeReply(header: ReplyHeader, response?: ZooKeeperResponse): Buffer {
  const w = new JuteWriter();
  encodeReplyHeader(w, header);
  if (response !== undefined) encodeResponse(w, response);
  return encodeFrame(w.toBuffer());
}

/** The whole frame of a watch event: xid -1, zxid -1 and err 0, as ZooKeeper 3.8 sends it. */
export function encodeNotification(event: WatcherEvent): Buffer {
  const w = new JuteWriter();
  encodeReplyHeader(w, { xid: XID.notification, zxid: -1n, err: 0 });
  encodeWatcherEvent(w, event);
  return encodeFrame(w.toBuffer());
}

/** The whole frame of the handshake's answer. */
export function encodeConnectResponseFrame(rec: ConnectResponse): Buffer {
  const w = new JuteWriter();
  encodeConnectResponse(w, rec);
  return encodeFrame(w.toBuffer());
}

export interface DecodedReply {
  readonly header: ReplyHeader;
  readonly response?: ZooKeeperResponse;
  readonly event?: WatcherEvent;
}

/**
 * Decodes a reply body as a client does: it needs the op of the request with the same xid
 * (`op`, or undefined for ops answered with the header alone). A notification (xid -1) decodes
 * as an event whatever `op` says; an error reply has no body.
 */
export function decodeReply(body: Uint8Array, op: ZooKeeperResponseType | undefined): DecodedReply {
  const r = new JuteReader(body);
  const header = decodeReplyHeader(r);
  let out: DecodedReply;
  if (header.xid === XID.notification) out = { header, event: decodeWatcherEvent(r) };
  else if (op === undefined || (header.err !== 0 && r.remaining === 0)) out = { header };
  else out = { header, response: decodeResponse(op, r) };
  r.end(`reply to ${op ?? 'a request'}`);
  return out;
}

function decodeResponse(op: ZooKeeperResponseType, r: JuteReader): ZooKeeperResponse {
  switch (op) {
    case 'create':
      return { type: op, response: decodeCreateResponse(r) };
    case 'create2':
    case 'createTTL':
    case 'createContainer':
      return { type: op, response: decodeCreate2Response(r) };
    case 'exists':
      return { type: op, response: decodeExistsResponse(r) };
    case 'getData':
      return { type: op, response: decodeGetDataResponse(r) };
    case 'setData':
      return { type: op, response: decodeSetDataResponse(r) };
    case 'getACL':
      return { type: op, response: decodeGetACLResponse(r) };
    case 'setACL':
      return { type: op, response: decodeSetACLResponse(r) };
    case 'getChildren':
      return { type: op, response: decodeGetChildrenResponse(r) };
    case 'getChildren2':
      return { type: op, response: decodeGetChildren2Response(r) };
    case 'sync':
      return { type: op, response: decodeSyncResponse(r) };
    case 'multi':
    case 'multiRead':
      return { type: op, response: decodeMultiResponse(r) };
    case 'getEphemerals':
      return { type: op, response: decodeGetEphemeralsResponse(r) };
    case 'getAllChildrenNumber':
      return { type: op, response: decodeGetAllChildrenNumberResponse(r) };
    case 'whoAmI':
      return { type: op, response: decodeWhoAmIResponse(r) };
    case 'addWatch':
      return { type: op, response: decodeErrorResponse(r) };
  }
}

/** Decodes a handshake answer body (no header). */
export function decodeConnectResponseBody(body: Uint8Array): ConnectResponse {
  const r = new JuteReader(body);
  const rec = decodeConnectResponse(r);
  r.end('ConnectResponse');
  return rec;
}
