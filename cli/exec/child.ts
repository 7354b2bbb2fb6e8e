// The program `lodestone exec` runs: started with an environment (its standard streams are exec's
// own), sent signals, and stopped as envconsul stops it — SIGTERM, then SIGKILL if it is still there
// after the kill timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The exit status a shell gives: the code, or 128 + the signal's number. */
export function exitStatus(exit: ChildExit): number {
  if (exit.code !== null) return exit.code;
  return 128 + (exit.signal ? (constants.signals[exit.signal] ?? 0) : 0);
}

export class Child {
  readonly exited: Promise<ChildExit>;

  private constructor(private readonly process: ChildProcess) {
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts the program; rejects when it cannot be started (no such file, not executable). */
  static start(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Child> {
    return new Promise((resolve, reject) => {
      const p = spawn(command, args, { env, stdio: 'inherit' });
      p.once('error', reject);
      p.once('spawn', () => {
        p.off('error', reject);
        p.on('error', () => undefined);
        resolve(new Child(p));
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `killTimeoutMs`; resolves once it has exited. */
  async stop(killTimeoutMs: number): Promise<ChildExit> {
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL');
        resolve();
      }, killTimeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }
}
