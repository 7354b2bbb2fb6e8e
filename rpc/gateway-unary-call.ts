// A unary gRPC handler run for the gateway, in process: it is given a call object with what etcd's
// handlers read of a grpc-js call (the request, metadata, deadline, 'cancelled'), and its callback
// settles a promise. The call is cancelled when the HTTP client goes away or its deadline passes, as
// grpc-js cancels one whose client reset the stream; the handler's late answer is then dropped.
import { EventEmitter } from 'node:events';
import { status, type Deadline, type Metadata, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { GatewayCallSurface, type GatewayCallInfo } from './gateway-call-context.js';
import { statusOf, type GatewayStatus } from './gateway-status.js';

export type UnaryOutcome =
  | { readonly ok: true; readonly response: unknown }
  /** `local`: the gateway's own verdict (the deadline passed), not the server's: no gRPC metadata comes with it. */
  | { readonly ok: false; readonly status: GatewayStatus; readonly local?: boolean };

/** A unary handler of any etcd method, as the services build them. */
export type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/** What the gateway's own gRPC client (Go) reports when the deadline of a call passes. */
const DEADLINE_EXCEEDED: GatewayStatus = { code: status.DEADLINE_EXCEEDED, details: 'context deadline exceeded' };
const CANCELED: GatewayStatus = { code: status.CANCELLED, details: 'context canceled' };

export class GatewayUnaryCall extends EventEmitter {
  cancelled = false;
  private readonly surface: GatewayCallSurface;

  constructor(
    readonly request: unknown,
    info: GatewayCallInfo,
  ) {
    super();
    this.surface = new GatewayCallSurface(info);
  }

  get metadata(): Metadata {
    return this.surface.metadata;
  }
  getDeadline(): Deadline {
    return this.surface.getDeadline();
  }
  getPath(): string {
    return this.surface.getPath();
  }
  getHost(): string {
    return this.surface.getHost();
  }
  getPeer(): string {
    return this.surface.getPeer();
  }
  getAuthContext(): Record<string, never> {
    return this.surface.getAuthContext();
  }
  sendMetadata(): void {}
  getMetricsRecorder(): never {
    throw new Error('the gateway records no per-call metrics');
  }

  /** The client is gone: what waits for it in the member gives up. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }
}

/**
 * Runs `handler` on `call`; settles with its answer, with DEADLINE_EXCEEDED once the call's deadline
 * passes first, or with CANCELLED once the call is cancelled (its client gone: nobody reads that).
 */
export function runUnary(handler: UnaryHandler, call: GatewayUnaryCall, deadline: number | undefined): Promise<UnaryOutcome> {
  return new Promise<UnaryOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => {
        resolve({ ok: false, status: DEADLINE_EXCEEDED, local: true });
        call.cancel();
      }, Math.max(0, deadline - Date.now()));
    }
    call.once('cancelled', () => {
      clearTimeout(timer);
      resolve({ ok: false, status: CANCELED, local: true });
    });
    const callback: sendUnaryData<unknown> = (err, value) => {
      clearTimeout(timer);
      if (call.cancelled) return;
      if (err) resolve({ ok: false, status: statusOf(err) });
      else resolve({ ok: true, response: value });
    };
    try {
      // The call has every member etcd's handlers read of a grpc-js unary call.
      handler(call as unknown as ServerUnaryCall<unknown, unknown>, callback);
    } catch (e) {
      clearTimeout(timer);
      resolve({ ok: false, status: statusOf(e) });
    }
  });
}
