// The unary calls of the Lock and Election services. The body gets the call's options, whose signal
// fires when the client gives up, so that a Lock or Campaign still waiting withdraws its key, and
// which go with every request the body makes of the member. Errors travel as
// etcd's concurrency servers send them: etcd's message with gRPC code UNKNOWN, whatever status the
// request inside had (there they are plain Go errors returned by the embedded client).
import { status, type handleUnaryCall, type ServerErrorResponse } from '@grpc/grpc-js';
import { callScope, type BoundCallOptions } from './call-options.js';
import { serviceError } from './error-mapping.js';

export function concurrencyUnary<Req, Res>(body: (req: Req, options: BoundCallOptions) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const scope = callScope(call);
    const { signal } = scope.options;
    const answer = (err: ServerErrorResponse | null, res?: Res): void => {
      scope.end();
      // Nobody is left to answer (or grpc-js has answered DEADLINE_EXCEEDED).
      if (signal.aborted) return;
      if (err !== null) callback(err);
      else callback(null, res);
    };
    let result: Promise<Res>;
    try {
      result = body(call.request, scope.options);
    } catch (e) {
      answer(concurrencyError(e));
      return;
    }
    result.then(
      (res) => answer(null, res),
      (e: unknown) => answer(concurrencyError(e)),
    );
  };
}

export function concurrencyError(e: unknown): ServerErrorResponse {
  const { details } = serviceError(e);
  return Object.assign(new Error(details), { code: status.UNKNOWN, details });
}
