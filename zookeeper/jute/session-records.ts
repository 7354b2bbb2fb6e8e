// The records around a session: the connect handshake (which has no request header), the headers
// of every other request and reply, authentication, and the error body multi uses.
import { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface ConnectRequest {
  readonly protocolVersion: number;
  readonly lastZxidSeen: bigint;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer | null;
  /** A trailing byte clients since 3.3 send; undefined when an older client left it out. */
  readonly readOnly?: boolean;
}

export interface ConnectResponse {
  readonly protocolVersion: number;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer | null;
  /** Written only when the request carried readOnly: older clients do not expect the byte. */
  readonly readOnly?: boolean;
}

export interface RequestHeader {
  readonly xid: number;
  readonly type: number;
}

export interface ReplyHeader {
  readonly xid: number;
  readonly zxid: bigint;
  readonly err: number;
}

export interface AuthPacket {
  /** Always 0 from the clients; ZooKeeper ignores it. */
  readonly type: number;
  readonly scheme: string;
  readonly auth: Buffer | null;
}

export interface ErrorResponse {
  readonly err: number;
}

export interface ClientInfo {
  readonly authScheme: string;
  readonly user: string;
}

export interface WhoAmIResponse {
  readonly clientInfo: readonly ClientInfo[];
}

export function encodeConnectRequest(w: JuteWriter, rec: ConnectRequest): void {
  w.int(rec.protocolVersion).long(rec.lastZxidSeen).int(rec.timeOut).long(rec.sessionId).buffer(rec.passwd);
  if (rec.readOnly !== undefined) w.bool(rec.readOnly);
}

/**
 * Decodes a ConnectRequest from a reader, or from a connection's whole first frame body (which has
 * no RequestHeader; then bytes after the record are refused).
 */
export function decodeConnectRequest(input: JuteReader | Uint8Array): ConnectRequest {
  if (!(input instanceof JuteReader)) {
    const whole = new JuteReader(input);
    const rec = decodeConnectRequest(whole);
    whole.end('ConnectRequest');
    return rec;
  }
  const r = input;
  const base = {
    protocolVersion: r.int('ConnectRequest.protocolVersion'),
    lastZxidSeen: r.long('ConnectRequest.lastZxidSeen'),
    timeOut: r.int('ConnectRequest.timeOut'),
    sessionId: r.long('ConnectRequest.sessionId'),
    passwd: r.buffer('ConnectRequest.passwd'),
  };
  return r.remaining > 0 ? { ...base, readOnly: r.bool('ConnectRequest.readOnly') } : base;
}

export function encodeConnectResponse(w: JuteWriter, rec: ConnectResponse): void {
  w.int(rec.protocolVersion).int(rec.timeOut).long(rec.sessionId).buffer(rec.passwd);
  if (rec.readOnly !== undefined) w.bool(rec.readOnly);
}

export function decodeConnectResponse(r: JuteReader): ConnectResponse {
  const base = {
    protocolVersion: r.int('ConnectResponse.protocolVersion'),
    timeOut: r.int('ConnectResponse.timeOut'),
    sessionId: r.long('ConnectResponse.sessionId'),
    passwd: r.buffer('ConnectResponse.passwd'),
  };
  return r.remaining > 0 ? { ...base, readOnly: r.bool('ConnectResponse.readOnly') } : base;
}

export function encodeRequestHeader(w: JuteWriter, rec: RequestHeader): void {
  w.int(rec.xid).int(rec.type);
}

export function decodeRequestHeader(r: JuteReader): RequestHeader {
  return { xid: r.int('RequestHeader.xid'), type: r.int('RequestHeader.type') };
}

export function encodeReplyHeader(w: JuteWriter, rec: ReplyHeader): void {
  w.int(rec.xid).long(rec.zxid).int(rec.err);
}

export function decodeReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int('ReplyHeader.xid'), zxid: r.long('ReplyHeader.zxid'), err: r.int('ReplyHeader.err') };
}

export function encodeAuthPacket(w: JuteWriter, rec: AuthPacket): void {
  w.int(rec.type).ustring(rec.scheme).buffer(rec.auth);
}

export function decodeAuthPacket(r: JuteReader): AuthPacket {
  return { type: r.int('AuthPacket.type'), scheme: r.string('AuthPacket.scheme'), auth: r.buffer('AuthPacket.auth') };
}

export function encodeErrorResponse(w: JuteWriter, rec: ErrorResponse): void {
  w.int(rec.err);
}

export function decodeErrorResponse(r: JuteReader): ErrorResponse {
  return { err: r.int('ErrorResponse.err') };
}

export function encodeWhoAmIResponse(w: JuteWriter, rec: WhoAmIResponse): void {
  w.vector(rec.clientInfo, (ww, c) => ww.ustring(c.authScheme).ustring(c.user));
}

export function decodeWhoAmIResponse(r: JuteReader): WhoAmIResponse {
  return { clientInfo: r.list((rr) => ({ authScheme: rr.string('ClientInfo.authScheme'), user: rr.string('ClientInfo.user') }), 'vector<ClientInfo>') };
}
