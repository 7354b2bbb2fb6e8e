// How the gateway writes its answers, as grpc-gateway writes them: one JSON object for a call, or
// its error; a chunked stream of {"result":…} lines for a stream, which ends with {"error":{…}} if
// the call fails. Which gRPC metadata comes with each (a header, a trailer, none) is etcd's too.
import type { ServerResponse } from 'node:http';
import { errorBody, httpStatusOf, streamErrorChunk, type GatewayStatus } from './gateway-status.js';
import type { StreamSink } from './gateway-stream-call.js';

const JSON_TYPE = 'application/json';
/** The response metadata etcd's gRPC server sends, which its gateway passes on as a header. */
const GRPC_HEADER = { 'Grpc-Metadata-Content-Type': 'application/grpc' } as const;

export function writeAnswer(res: ServerResponse, json: string): void {
  res.writeHead(200, { 'Content-Type': JSON_TYPE, ...GRPC_HEADER, 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

/** An error found before any call was made, or by the gateway itself: no gRPC metadata to pass on. */
export function writeDecodeError(res: ServerResponse, s: GatewayStatus): void {
  const body = errorBody(s);
  res.writeHead(httpStatusOf(s.code), { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A call's error status, with the gRPC metadata grpc-gateway passes on: in plaintext etcd's gRPC
 * server answers a failed call with trailers only, so the content type follows the body as a
 * trailer; over TLS etcd serves gRPC through Go's net/http, which sends headers first, so it comes
 * as a header and no trailer is left.
 */
export function writeCallError(res: ServerResponse, s: GatewayStatus): void {
  const body = errorBody(s);
  if (isTls(res)) {
    res.writeHead(httpStatusOf(s.code), { 'Content-Type': JSON_TYPE, ...GRPC_HEADER, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(httpStatusOf(s.code), { 'Content-Type': JSON_TYPE, Trailer: 'Grpc-Trailer-Content-Type', 'Transfer-Encoding': 'chunked' });
  res.addTrailers({ 'Grpc-Trailer-Content-Type': 'application/grpc' });
  res.end(body);
}

function isTls(res: ServerResponse): boolean {
  return (res.req.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * Where a stream's responses go. Nothing is written before the first response, the end, or an
 * error: the status line depends on which comes first. `withGrpcHeader`: the gRPC header metadata
 * is passed on, as it is once the gateway has sent the call a request. `encode` turns a handler's
 * response into JSON; undefined drops it (the gateway has logged why).
 */
export function streamAnswer(res: ServerResponse, withGrpcHeader: boolean, encode: (response: unknown) => string | undefined): StreamSink {
  const head = (statusCode: number): void => {
    if (res.headersSent) return;
    res.writeHead(statusCode, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', ...(withGrpcHeader ? GRPC_HEADER : {}) });
  };
  const gone = (): boolean => res.destroyed || res.writableEnded;
  let wrote = false;
  return {
    message: (value, written) => {
      const json = gone() ? undefined : encode(value);
      if (json === undefined) {
        written();
        return;
      }
      head(200);
      wrote = true;
      // One write, one chunk: clients that read a chunk as one message (etcd3gw) get whole ones.
      if (res.write(`{"result":${json}}\n`)) written();
      else res.once('drain', written);
    },
    end: () => {
      if (gone()) return;
      head(200);
      res.end();
    },
    fail: (s) => {
      if (gone()) return;
      if (!wrote) head(httpStatusOf(s.code));
      res.end(streamErrorChunk(s));
    },
  };
}
