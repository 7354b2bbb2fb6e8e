// One plain etcd watcher of one key, decoding straight from the wire (WireWatchClient): when each
// value of the key arrived (performance.now()). The config-delivery workload sets it beside the
// subscriptions to tell the member's part of a delivery from the subscribing client's.
import { createRequest, WireWatchClient, type WireWatchResponse } from '../../test/compat/watch-wire.js';

export class KeyArrivals {
  private readonly connection: WireWatchClient;
  private readonly stream: ReturnType<WireWatchClient['stream']>;
  private readonly arrivals = new Map<string, number>();
  private created = false;
  private failure: Error | undefined;

  constructor(endpoint: string, key: Uint8Array) {
    this.connection = new WireWatchClient(endpoint, { ownConnection: true });
    this.stream = this.connection.stream();
    this.stream.on('error', (e: Error) => (this.failure ??= e));
    this.stream.on('data', (res: WireWatchResponse) => {
      if (res.created) this.created = true;
      const now = performance.now();
      for (const e of res.events) this.arrivals.set(e.kv.value.toString('utf8'), now);
    });
    this.stream.write(createRequest({ key }));
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.created) {
      if (this.failure) throw this.failure;
      if (Date.now() > end) throw new Error('the plain watcher was not created');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** When `value` arrived (waiting up to `limitMs`); undefined if it did not; forgotten afterwards. */
  async arrival(value: string, limitMs: number): Promise<number | undefined> {
    const end = performance.now() + limitMs;
    while (!this.arrivals.has(value) && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    const at = this.arrivals.get(value);
    this.arrivals.delete(value);
    return at;
  }

  close(): void {
    this.stream.cancel();
    this.connection.close();
  }
}
