// The handshake's request is the connection's first frame and has no RequestHeader
// (decodeConnectRequest takes that body directly).
import { JuteWriter } from './jute-writer.js';
import { encodeConnectRequest, type ConnectRequest } from './session-records.js';

/** The frame body of a handshake request, as a client writes it. */
export function encodeConnectRequestBody(rec: ConnectRequest): Buffer {
  const w = new JuteWriter();
  encodeConnectRequest(w, rec);
  return w.toBuffer();
}
