// Decodes a captured exchange with the Jute codecs and encodes it again: the bytes must come back
// identical, or decoding lost or invented something.
import {
  decodeConnectRequest,
  decodeConnectResponseBody,
  decodeReply,
  decodeRequest,
  encodeConnectRequestBody,
  encodeConnectResponseFrame,
  encodeNotification,
  encodeReply,
  encodeRequest,
  type ConnectRequest,
  type ConnectResponse,
  type DecodedReply,
  type ZooKeeperRequest,
  type ZooKeeperResponseType,
} from '../../../zookeeper/jute/index.js';
import type { Exchange } from './exchanges.js';

/** The response record an op's successful reply carries; undefined for ops answered with the header alone. */
export function responseTypeOf(op: string): ZooKeeperResponseType | undefined {
  switch (op) {
    case 'create':
    case 'create2':
    case 'createTTL':
    case 'createContainer':
    case 'exists':
    case 'getData':
    case 'setData':
    case 'getACL':
    case 'setACL':
    case 'getChildren':
    case 'getChildren2':
    case 'sync':
    case 'multi':
    case 'multiRead':
    case 'getEphemerals':
    case 'getAllChildrenNumber':
    case 'whoAmI':
    case 'addWatch':
      return op;
    default:
      return undefined;
  }
}

export interface RoundTrip {
  readonly request?: ZooKeeperRequest;
  readonly connectRequest?: ConnectRequest;
  readonly connectResponse?: ConnectResponse;
  readonly reply?: DecodedReply;
  /** Re-encoded bodies, to compare with the captured ones. */
  readonly requestBytes: Buffer | null;
  readonly responseBytes: Buffer | null;
}

const body = (frame: Buffer): Buffer => frame.subarray(4);

export function roundTrip(ex: Exchange): RoundTrip {
  if (ex.op === 'connect') {
    const connectRequest = ex.request === null ? undefined : decodeConnectRequest(ex.request);
    const connectResponse = ex.response === null ? undefined : decodeConnectResponseBody(ex.response);
    return {
      ...(connectRequest && { connectRequest }),
      ...(connectResponse && { connectResponse }),
      requestBytes: connectRequest ? encodeConnectRequestBody(connectRequest) : null,
      responseBytes: connectResponse ? body(encodeConnectResponseFrame(connectResponse)) : null,
    };
  }
  const request = ex.request === null ? undefined : decodeRequest(ex.request);
  const reply = ex.response === null ? undefined : decodeReply(ex.response, responseTypeOf(ex.op));
  let responseBytes: Buffer | null = null;
  if (reply !== undefined) responseBytes = reply.event !== undefined ? body(encodeNotification(reply.event)) : body(encodeReply(reply.header, reply.response));
  return { ...(request && { request }), ...(reply && { reply }), requestBytes: request ? encodeRequest(request) : null, responseBytes };
}
