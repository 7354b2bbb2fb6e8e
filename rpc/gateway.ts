// etcd's JSON gateway under /v3/, answering as etcd 3.4's (grpc-gateway) does, with the same service
// handlers the gRPC server runs, called in process (no gRPC client hop). A unary call answers one
// JSON object; a streaming call answers a chunked stream of {"result":…} lines. Errors keep
// grpc-gateway's shapes, statuses and headers, down to which of them come with a trailer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ETCD_SERVICE_FULL_NAMES, type EtcdServiceName, type ServiceHandlers } from './etcd-api.js';
import { BodyTooLargeError, firstValue, readBody, ValueReader } from './gateway-body.js';
import type { GatewayCallInfo } from './gateway-call-context.js';
import { GatewayCodec, RequestRejected } from './gateway-codec.js';
import { JsonDecodeError } from './gateway-json-decode.js';
import { JsonSyntaxError } from './gateway-json-syntax.js';
import { BadTimeoutError, gatewayDeadline, gatewayMetadata } from './gateway-metadata.js';
import { GATEWAY_ROUTES, type GatewayRoute } from './gateway-routes.js';
import { streamAnswer, writeAnswer, writeCallError, writeDecodeError } from './gateway-responses.js';
import type { GatewayStatus } from './gateway-status.js';
import { GatewayStreamCall, type StreamSink } from './gateway-stream-call.js';
import { GatewayUnaryCall, runUnary, type UnaryHandler } from './gateway-unary-call.js';
import type { HttpHandler } from './http-handler.js';
import { plainError } from './http-front.js';

/** The service handlers the gRPC server serves, by service. */
export type GatewayServices = { readonly [Name in EtcdServiceName]?: ServiceHandlers<Name> };

export interface GatewayOptions {
  readonly services: GatewayServices;
  /** The largest request message the gRPC server takes. */
  readonly maxRequestBytes: number;
  readonly logger: Logger;
}

type StreamHandler = (call: GatewayStreamCall) => void;

/** A body this much larger than the largest message is refused before it is parsed. */
const BODY_SLACK = 3;

export function jsonGateway(options: GatewayOptions): HttpHandler {
  const codec = new GatewayCodec(options.maxRequestBytes);
  const bodyLimit = BODY_SLACK * options.maxRequestBytes + 64 * 1024;
  return (req, res) => {
    const path = pathOf(req.url ?? '/');
    if (!path.startsWith('/v3/')) return false;
    const route = GATEWAY_ROUTES.get(path);
    // grpc-gateway's own answers for a path or method it has no route for.
    if (route === undefined) plainError(res, 404, 'Not Found');
    else if (req.method !== 'POST') plainError(res, 405, 'Method Not Allowed');
    else {
      const call = new GatewayRequest(route, req, res, codec, options, bodyLimit);
      call.serve().catch((e: unknown) => {
        options.logger.error({ err: e instanceof Error ? e.message : String(e), path }, 'gateway request failed');
        if (!res.headersSent) writeDecodeError(res, { code: status.INTERNAL, details: 'internal error' });
        else res.destroy();
      });
    }
    return true;
  };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** One HTTP request to a route: read it, run the method, write what grpc-gateway would write. */
class GatewayRequest {
  constructor(
    private readonly route: GatewayRoute,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly codec: GatewayCodec,
    private readonly options: GatewayOptions,
    private readonly bodyLimit: number,
  ) {}

  async serve(): Promise<void> {
    let info: GatewayCallInfo;
    try {
      info = this.callInfo();
    } catch (e) {
      if (!(e instanceof BadTimeoutError)) throw e;
      writeDecodeError(this.res, { code: status.INVALID_ARGUMENT, details: e.message });
      return;
    }
    if (this.route.kind === 'bidi-streaming') this.serveBidi(info);
    else await this.serveOneRequest(info);
  }

  private callInfo(): GatewayCallInfo {
    const { service, method } = this.route;
    const socket = this.req.socket;
    return {
      metadata: gatewayMetadata(this.req),
      deadline: gatewayDeadline(this.req),
      path: `/${ETCD_SERVICE_FULL_NAMES[service]}/${method}`,
      host: this.req.headers.host ?? '',
      peer: `${String(socket.remoteAddress)}:${String(socket.remotePort)}`,
    };
  }

  private handler(): unknown {
    const handlers = this.options.services[this.route.service] as Readonly<Record<string, unknown>> | undefined;
    return handlers?.[this.route.method];
  }

  /** What grpc-js answers for a method the server does not serve. */
  private unimplemented(info: GatewayCallInfo): GatewayStatus {
    return { code: status.UNIMPLEMENTED, details: `The server does not implement the method ${info.path}` };
  }

  /** A unary or server-streaming call: the body is its one request. */
  private async serveOneRequest(info: GatewayCallInfo): Promise<void> {
    let request: unknown;
    try {
      const body = await readBody(this.req, this.bodyLimit);
      request = this.codec.request(this.route.service, this.route.method, firstValue(body));
    } catch (e) {
      const s = this.requestStatus(e, status.INVALID_ARGUMENT);
      if (e instanceof RequestRejected) writeCallError(this.res, s);
      else writeDecodeError(this.res, s);
      return;
    }
    const handler = this.handler();
    if (handler === undefined) {
      writeCallError(this.res, this.unimplemented(info));
      return;
    }
    if (this.route.kind === 'server-streaming') {
      const call = new GatewayStreamCall(info, this.streamSink(true), request);
      call.endRequests();
      this.followClient(() => call.cancel());
      this.run(handler as StreamHandler, call);
      return;
    }
    const call = new GatewayUnaryCall(request, info);
    this.followClient(() => call.cancel());
    const outcome = await runUnary(handler as UnaryHandler, call, info.deadline);
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!outcome.ok) {
      // A deadline is the gateway's own gRPC client's to report, with no metadata from the server.
      if (outcome.local === true) writeDecodeError(this.res, outcome.status);
      else writeCallError(this.res, outcome.status);
      return;
    }
    writeAnswer(this.res, this.codec.response(this.route.service, this.route.method, outcome.response));
  }

  /**
   * Watch and LeaseKeepAlive: the body is a stream of requests. As grpc-gateway does, the first one
   * is read before anything is answered — a body that does not start with one is an error; an empty
   * one starts a call with no request — and a later one that cannot be read ends the requests.
   */
  private serveBidi(info: GatewayCallInfo): void {
    let call: GatewayStreamCall | undefined;
    const reader = new ValueReader(
      this.req,
      {
        value: (v) => {
          let request: unknown;
          try {
            request = this.codec.request(this.route.service, this.route.method, v);
          } catch (e) {
            const s = this.requestStatus(e, status.UNKNOWN);
            reader.stop();
            if (call !== undefined) call.endRequests();
            else writeDecodeError(this.res, s);
            return false;
          }
          if (call === undefined) call = this.startStream(info, true, () => reader.resume());
          if (call === undefined) {
            reader.stop();
            return false;
          }
          return call.deliver(request);
        },
        end: (error) => {
          if (call !== undefined) call.endRequests();
          else if (error !== undefined) writeDecodeError(this.res, this.requestStatus(error, status.UNKNOWN));
          else {
            call = this.startStream(info, false, () => undefined);
            call?.endRequests();
          }
        },
      },
      this.bodyLimit,
    );
    this.res.once('close', () => reader.stop());
  }

  /**
   * The status a request that cannot be read is answered with: syntax and type errors carry Go's
   * words under `codeForSyntax` (grpc-gateway answers INVALID_ARGUMENT for a call's body, UNKNOWN for
   * a stream's first request). Anything else is a fault of ours, logged and answered INTERNAL.
   */
  private requestStatus(e: unknown, codeForSyntax: number): GatewayStatus {
    if (e instanceof RequestRejected) return { code: e.code, details: e.details };
    if (e instanceof JsonSyntaxError || e instanceof JsonDecodeError) return { code: codeForSyntax, details: e.message };
    if (e instanceof BodyTooLargeError) return { code: status.RESOURCE_EXHAUSTED, details: e.message };
    this.options.logger.error({ err: e instanceof Error ? e.message : String(e), path: this.req.url }, 'gateway could not read a request');
    return { code: status.INTERNAL, details: 'internal error' };
  }

  /** Starts a stream handler; one that throws fails its call, as a handler error would. */
  private run(handler: StreamHandler, call: GatewayStreamCall): void {
    try {
      handler(call);
    } catch (e) {
      this.options.logger.error({ err: e instanceof Error ? e.message : String(e), path: this.req.url }, 'gateway stream handler failed');
      call.emit('error', { code: status.INTERNAL, details: 'internal error' });
    }
  }

  /** `readMore`: what to call when the handler wants requests again after it paused them. */
  private startStream(info: GatewayCallInfo, sentRequest: boolean, readMore: () => void): GatewayStreamCall | undefined {
    const handler = this.handler();
    if (handler === undefined) {
      writeCallError(this.res, this.unimplemented(info));
      return undefined;
    }
    const call = new GatewayStreamCall(info, this.streamSink(sentRequest));
    call.onRoom(readMore);
    this.followClient(() => call.cancel());
    this.run(handler as StreamHandler, call);
    return call;
  }

  private streamSink(withGrpcHeader: boolean): StreamSink {
    const { service, method } = this.route;
    return streamAnswer(this.res, withGrpcHeader, (response) => {
      try {
        return this.codec.response(service, method, response);
      } catch (e) {
        this.options.logger.error({ err: e instanceof Error ? e.message : String(e), method }, 'gateway could not encode a stream response');
        return undefined;
      }
    });
  }

  /** Runs `gone` if the client leaves before the answer is complete. */
  private followClient(gone: () => void): void {
    this.res.once('close', () => {
      if (!this.res.writableFinished) gone();
    });
  }
}
