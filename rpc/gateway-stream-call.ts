// A streaming gRPC handler (Watch, LeaseKeepAlive, Observe, Snapshot) run for the gateway, in
// process: the call is an object-mode Duplex with what etcd's handlers use of a grpc-js stream —
// requests to read (with pause/resume), responses to write (with 'drain'), end() for OK,
// emit('error', status) to fail, 'cancelled' when the client goes away. Responses go to a sink
// that writes them to the HTTP response; backpressure runs through both ways.
import { Duplex } from 'node:stream';
import type { Deadline, Metadata } from '@grpc/grpc-js';
import { GatewayCallSurface, type GatewayCallInfo } from './gateway-call-context.js';
import { statusOf, type GatewayStatus } from './gateway-status.js';

export interface StreamSink {
  /** One response from the handler; `written` once the HTTP response has room for more. */
  message(value: unknown, written: () => void): void;
  /** The handler ended the stream: OK. */
  end(): void;
  /** The handler ended it with this status. */
  fail(status: GatewayStatus): void;
}

export class GatewayStreamCall extends Duplex {
  cancelled = false;
  private readonly surface: GatewayCallSurface;
  private over = false;
  private wantMore: (() => void) | undefined;

  /** `request`: a server-streaming call's one request (undefined for a bidi call). */
  constructor(
    info: GatewayCallInfo,
    private readonly sink: StreamSink,
    readonly request?: unknown,
  ) {
    super({ objectMode: true, allowHalfOpen: true });
    this.surface = new GatewayCallSurface(info);
    // As grpc-js: a handler fails its call by emitting an error on it.
    this.on('error', (e: unknown) => this.conclude(() => this.sink.fail(statusOf(e))));
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

  /** A request from the client; false asks for no more until `onRoom`'s callback runs. */
  deliver(request: unknown): boolean {
    return this.over ? false : this.push(request);
  }

  /** The client has sent its last request (its body ended): the handler sees 'end'. */
  endRequests(): void {
    if (!this.over) this.push(null);
  }

  /** Called when the handler is ready to read again after deliver() answered false. */
  onRoom(wantMore: () => void): void {
    this.wantMore = wantMore;
  }

  /** The client went away: everything waiting for it in the member gives up. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.over = true;
    this.emit('cancelled', 'cancelled');
    this.destroy();
  }

  override _read(): void {
    this.wantMore?.();
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.over) {
      callback();
      return;
    }
    this.sink.message(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.conclude(() => this.sink.end());
    callback();
  }

  /** Ends the stream once, with what `report` writes, and lets the handler's listeners see 'close'. */
  private conclude(report: () => void): void {
    if (this.over) return;
    this.over = true;
    report();
    // After the current tick: end() is still finishing the writable side.
    setImmediate(() => this.destroy());
  }
}
