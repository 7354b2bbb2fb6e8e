// Adapts an async handler body to grpc-js's unary callback style, answering errors as etcd would.
import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { serviceError } from './error-mapping.js';

export function unary<Req, Res>(body: (req: Req) => Promise<Res> | Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let result: Promise<Res> | Res;
    try {
      result = body(call.request);
    } catch (e) {
      callback(serviceError(e));
      return;
    }
    Promise.resolve(result).then(
      (res) => callback(null, res),
      (e: unknown) => callback(serviceError(e)),
    );
  };
}

/** A method we do not serve yet: gRPC's UNIMPLEMENTED, which etcd clients report plainly. */
export function unimplemented(method: string) {
  return (_call: unknown, callback: (err: { code: number; details: string }) => void): void => {
    callback({ code: status.UNIMPLEMENTED, details: `${method} is not implemented by this server` });
  };
}

/** The streaming counterpart of unimplemented(). */
export function unimplementedStream(method: string) {
  return (call: { emit(event: 'error', err: { code: number; details: string }): boolean }): void => {
    call.emit('error', { code: status.UNIMPLEMENTED, details: `${method} is not implemented by this server` });
  };
}
