// The handshake: the connection's first frame, with no RequestHeader (decodeConnectRequest takes
// that body directly), and the answers a server gives it.
import { JuteWriter } from './jute-writer.js';
import { encodeConnectRequest, type ConnectRequest, type ConnectResponse } from './session-records.js';

/** ZooKeeper's session passwords are 16 bytes. */
export const SESSION_PASSWORD_BYTES = 16;

/** The frame body of a handshake request, as a client writes it. */
export function encodeConnectRequestBody(rec: ConnectRequest): Buffer {
  const w = new JuteWriter();
  encodeConnectRequest(w, rec);
  return w.toBuffer();
}

export interface SessionGrant {
  /** The negotiated session timeout, in milliseconds. */
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer;
}

/**
 * The answer to a handshake that opened or re-attached a session. The readOnly byte goes back
 * only to a client that sent one (an older client would take it for the next frame's length),
 * and is false: this server is never a read-only one.
 */
export function answerConnect(req: ConnectRequest, grant: SessionGrant): ConnectResponse {
  const base = { protocolVersion: 0, timeOut: grant.timeOut, sessionId: grant.sessionId, passwd: grant.passwd };
  return req.readOnly === undefined ? base : { ...base, readOnly: false };
}

/**
 * What ZooKeeper answers a handshake naming a session that expired, was closed or never existed
 * (or whose password is wrong): timeOut 0, session 0 and a zeroed password, after which it closes
 * the connection and the client reports the session expired.
 */
export function expiredSessionResponse(req: ConnectRequest): ConnectResponse {
  return answerConnect(req, { timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(SESSION_PASSWORD_BYTES) });
}
