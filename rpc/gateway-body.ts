// Request bodies as etcd's gateway reads them: JSON values one after another (Go's json.Decoder).
// A unary call reads the first value of the whole body; a streaming call (Watch, LeaseKeepAlive)
// takes each value as it arrives, so a client may keep its body open and send more requests.
import type { Readable } from 'node:stream';
import { JsonSyntaxError, readNextValue, type JsonValue } from './gateway-json-syntax.js';

/** A body larger than the request size limit allows (with room for JSON's base64 and syntax). */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The whole body, refused past `limit` bytes. */
export function readBody(body: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        body.off('data', onData);
        body.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    body.on('data', onData);
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    body.once('error', reject);
  });
}

/** The first value of a body; undefined when it holds only whitespace (an empty request). */
export function firstValue(body: Buffer): JsonValue | undefined {
  return readNextValue(body, 0)?.value;
}

export interface ValueSink {
  /** One more value; false asks for no more until resume(). */
  value(v: JsonValue): boolean;
  /** The body ended, or held something that is not JSON (`error`): no more values. */
  end(error?: JsonSyntaxError | BodyTooLargeError): void;
}

/** Hands the values of a body to `sink` as they arrive. */
export class ValueReader {
  private pending: Buffer = Buffer.alloc(0);
  private bodyEnded = false;
  private paused = false;
  private done = false;

  constructor(
    private readonly body: Readable,
    private readonly sink: ValueSink,
    private readonly limit: number,
  ) {
    body.on('data', (chunk: Buffer) => {
      if (this.done) return;
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      if (this.pending.length > this.limit) return this.finish(new BodyTooLargeError(this.limit));
      this.drain();
    });
    body.once('end', () => {
      this.bodyEnded = true;
      this.drain();
    });
    body.once('error', () => this.finish());
  }

  resume(): void {
    if (!this.paused || this.done) return;
    this.paused = false;
    this.body.resume();
    this.drain();
  }

  /** Stops reading: the call has ended. */
  stop(): void {
    this.done = true;
    this.body.resume();
  }

  private drain(): void {
    while (!this.paused && !this.done) {
      let next: ReturnType<typeof readNextValue>;
      try {
        next = readNextValue(this.pending, 0);
      } catch (e) {
        if (e instanceof JsonSyntaxError && e.truncated && !this.bodyEnded) return;
        return this.finish(e instanceof JsonSyntaxError ? e : new JsonSyntaxError(String(e)));
      }
      if (next === undefined) {
        this.pending = Buffer.alloc(0);
        if (this.bodyEnded) this.finish();
        return;
      }
      // A number at the very end may go on in the next chunk.
      if (next.value.kind === 'number' && next.end === this.pending.length && !this.bodyEnded) return;
      this.pending = this.pending.subarray(next.end);
      if (!this.sink.value(next.value)) {
        this.paused = true;
        this.body.pause();
      }
    }
  }

  private finish(error?: JsonSyntaxError | BodyTooLargeError): void {
    if (this.done) return;
    this.done = true;
    this.pending = Buffer.alloc(0);
    this.body.resume();
    this.sink.end(error);
  }
}
