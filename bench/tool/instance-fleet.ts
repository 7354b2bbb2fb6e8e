// The bench's handle on the instance fleet (instance-fleet-main.ts), a child process that serves
// the instances' health endpoints and reports their TTL checks: start it, turn instances off and
// on, hand it TTL checks to report on, read its counters and CPU.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './member-resources.js';

export interface TtlReportSpec {
  readonly instanceId: string;
  readonly checkId: string;
  readonly ttlMs: number;
  /** The members' client URLs (http://host:port), the preferred one first. */
  readonly endpoints: readonly string[];
}

export type FleetRequest =
  | { readonly type: 'down' | 'up'; readonly ids: readonly string[] }
  | { readonly type: 'report'; readonly checks: readonly TtlReportSpec[] }
  | { readonly type: 'stats' };

export interface FleetStats {
  /** TTL reports sent (a failed one tried on every member counts once). */
  readonly reports: number;
  /** Reports no member took. */
  readonly failedReports: number;
  /** Reports sent more than a TTL after the check's last accepted one: the fleet fell behind. */
  readonly lateReports: number;
  /** Health endpoint requests answered (the members' HTTP checks). */
  readonly probes: number;
  /** TTL checks being reported on. */
  readonly reporting: number;
}

export type FleetReply = { readonly type: 'ready'; readonly port: number } | { readonly type: 'stats'; readonly stats: FleetStats };

const MAIN = fileURLToPath(new URL('./instance-fleet-main.ts', import.meta.url));

export class InstanceFleet {
  private statsWaiters: ((s: FleetStats) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    /** The health endpoints' base URL: http://127.0.0.1:<port>. */
    readonly baseUrl: string,
  ) {
    child.on('message', (m: FleetReply) => {
      if (m.type === 'stats') for (const w of this.statsWaiters.splice(0)) w(m.stats);
    });
  }

  static async start(): Promise<InstanceFleet> {
    const child = fork(MAIN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the instance fleet exited (${code ?? 'signal'}) before it listened`)));
      child.on('message', (m: FleetReply) => {
        if (m.type === 'ready') resolve(m.port);
      });
    });
    return new InstanceFleet(child, `http://127.0.0.1:${port}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  setDown(ids: readonly string[]): void {
    this.send({ type: 'down', ids });
  }

  setUp(ids: readonly string[]): void {
    this.send({ type: 'up', ids });
  }

  reportOn(checks: readonly TtlReportSpec[]): void {
    if (checks.length > 0) this.send({ type: 'report', checks });
  }

  stats(): Promise<FleetStats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.send({ type: 'stats' });
    });
  }

  cpuSeconds(): Promise<number> {
    return cpuSeconds(this.child.pid);
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.kill('SIGTERM');
  }

  private send(m: FleetRequest): void {
    this.child.send(m);
  }
}
