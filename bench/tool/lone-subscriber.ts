// The config-delivery workload's instance-like subscriber: one subscription in a process of its own
// (lone-subscriber-main.ts), so its delay is what a deployed instance sees, without the work of the
// workload's other subscriptions sharing its event loop.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./lone-subscriber-main.ts', import.meta.url));

export class LoneSubscriber {
  /** Wall-clock arrival (ms since the epoch) of each release's snapshot. */
  private readonly arrivals = new Map<number, number>();
  private ready = false;
  private stderr = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let partial = '';
    child.stdout.on('data', (b: Buffer) => {
      partial += b.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') this.ready = true;
        const m = /^snap (\d+) (\d+(?:\.\d+)?)$/.exec(line);
        if (m) this.arrivals.set(Number(m[1]), Number(m[2]));
      }
    });
    child.stderr.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      }),
    );
  }

  static async start(endpoints: readonly string[], ns: string, timeoutMs = 60_000): Promise<LoneSubscriber> {
    const s = new LoneSubscriber(spawn(process.execPath, ['--import', 'tsx', MAIN, endpoints.join(','), ns]));
    const end = performance.now() + timeoutMs;
    while (!s.ready) {
      if (s.exitCode !== undefined || performance.now() > end) {
        await s.close();
        throw new Error(`the lone subscriber did not subscribe: ${s.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return s;
  }

  /** When `release` reached it (epoch ms, waiting up to `limitMs`); undefined if it did not. */
  async arrival(release: number, limitMs: number): Promise<number | undefined> {
    const end = performance.now() + limitMs;
    while (!this.arrivals.has(release) && this.exitCode === undefined && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    const at = this.arrivals.get(release);
    this.arrivals.delete(release);
    return at;
  }

  async close(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
