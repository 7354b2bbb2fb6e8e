// The unary calls of the Lock and Election services. The body gets a signal that fires when the
// client gives up, so that a Lock or Campaign still waiting withdraws its key. Errors travel as
// etcd's concurrency servers send them: etcd's message with gRPC code UNKNOWN, whatever status the
// request inside had (there they are plain Go errors returned by the embedded client).
import { status, type handleUnaryCall, type ServerErrorResponse } from '@grpc/grpc-js';
import { serviceError } from './error-mapping.js';

export function concurrencyUnary<Req, Res>(body: (req: Req, signal: AbortSignal) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const abandoned = new AbortController();
    call.on('cancelled', () => abandoned.abort());
    let result: Promise<Res>;
    try {
      result = body(call.request, abandoned.signal);
    } catch (e) {
      callback(concurrencyError(e));
      return;
    }
    result.then(
      (res) => callback(null, res),
      (e: unknown) => callback(concurrencyError(e)),
    );
  };
}

export function concurrencyError(e: unknown): ServerErrorResponse {
  const { details } = serviceError(e);
  return Object.assign(new Error(details), { code: status.UNKNOWN, details });
}
