// Adapts an async handler body to grpc-js's unary callback style, answering errors as etcd would.
// The body is told the call's deadline and when its client goes away (see call-options.ts).
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { callScope, type CallOptions } from './call-options.js';
import { serviceError } from './error-mapping.js';

export function unary<Req, Res>(body: (req: Req, options: CallOptions) => Promise<Res> | Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const scope = callScope(call);
    const { signal } = scope.options;
    const answer = (err: ReturnType<typeof serviceError> | null, res?: Res): void => {
      scope.end();
      // The client is gone, or grpc-js has already answered DEADLINE_EXCEEDED: nothing to send.
      if (signal.aborted) return;
      if (err !== null) callback(err);
      else callback(null, res);
    };
    let result: Promise<Res> | Res;
    try {
      result = body(call.request, scope.options);
    } catch (e) {
      answer(serviceError(e));
      return;
    }
    Promise.resolve(result).then(
      (res) => answer(null, res),
      (e: unknown) => answer(serviceError(e)),
    );
  };
}

/** A method we do not serve yet: gRPC's UNIMPLEMENTED, which etcd clients report plainly. */
export function unimplemented(method: string) {
  return (_call: unknown, callback: (err: { code: number; details: string }) => void): void => {
    callback({ code: status.UNIMPLEMENTED, details: `${method} is not implemented by this server` });
  };
}
