// One server process (a Lodestone member or a real etcd) started by a test: spawned with fixed
// arguments so that it can be stopped (SIGTERM), killed (SIGKILL), paused, and started again on the
// same ports and data dir. Its output is kept (the last lines) to explain a failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Every child started here; killed when the test process exits, whatever happened before. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  /** A label for messages: the member's name. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Lines of output kept for diagnostics. */
  readonly keepLines?: number;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ExitStatus> | undefined;
  private lastExit: ExitStatus | undefined;
  private readonly lines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(readonly options: ServerProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** The OS process id while running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** How the last run ended, if it has. */
  get exitStatus(): ExitStatus | undefined {
    return this.lastExit;
  }

  /** Starts the process; fails if it is already running. Readiness is the caller's to wait for. */
  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    installExitHook();
    this.lastExit = undefined;
    this.log(`--- start: ${this.options.command} ${this.options.args.join(' ')}`);
    const child = spawn(this.options.command, [...this.options.args], {
      cwd: this.options.cwd,
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.log(line));
    }
    this.exited = new Promise<ExitStatus>((resolve) => {
      const done = (status: ExitStatus): void => {
        live.delete(child);
        if (this.child === child) this.lastExit = status;
        this.log(`--- exited: ${status.signal ?? `code ${String(status.code)}`}`);
        resolve(status);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', (err) => {
        this.log(`--- spawn failed: ${err.message}`);
        done({ code: -1, signal: null });
      });
    });
  }

  /** Resolves when the current run ends (at once if it has). */
  async waitExit(): Promise<ExitStatus> {
    if (!this.exited) throw new Error(`${this.name} was never started`);
    return this.exited;
  }

  /**
   * Graceful stop: SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves when the
   * process is gone. Does nothing if it is not running.
   */
  async stop(graceMs = 5000): Promise<ExitStatus | undefined> {
    if (!this.running || !this.child) return this.lastExit;
    const child = this.child;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await this.waitExit();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (SIGKILL by default: a crash) and, unless it only pauses, waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus | undefined> {
    if (!this.running || !this.child) return this.lastExit;
    this.child.kill(signal);
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return undefined;
    return this.waitExit();
  }

  /** The kept output, oldest first. */
  output(): readonly string[] {
    return this.lines;
  }

  /** The last `n` lines of output, prefixed with the process's name, for error messages. */
  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => `  ${this.name}| ${l}`)
      .join('\n');
  }

  /** Resolves with the first line (from now on, or already kept when `past`) that matches. */
  waitForLine(pattern: RegExp, options: { timeoutMs?: number; past?: boolean } = {}): Promise<string> {
    if (options.past) {
      const seen = this.lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const listener = (line: string): void => {
        if (!pattern.test(line)) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no line matching ${String(pattern)} within ${options.timeoutMs} ms\n${this.tail()}`));
      }, options.timeoutMs ?? 30_000);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
      };
      this.lineListeners.add(listener);
    });
  }

  private log(line: string): void {
    this.lines.push(line);
    const keep = this.options.keepLines ?? 400;
    if (this.lines.length > keep) this.lines.splice(0, this.lines.length - keep);
    for (const l of this.lineListeners) l(line);
  }
}
