// Runs `lodestone exec …` as a user runs it (node + tsx on cli/main.ts) and collects its program's
// output line by line, so a test can wait for a line and count them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const MAIN = join(REPO_ROOT, 'cli', 'main.ts');
export const ENV_CHILD = fileURLToPath(new URL('./fixtures/env-child.mjs', import.meta.url));

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return env;
}

export class ExecRun {
  readonly lines: string[] = [];
  stderr = '';
  /** Its status, once it has exited and its output is all read. */
  readonly exited: Promise<number | null>;
  /** Once it has exited (its program may still hold the output open). */
  readonly stopped: Promise<void>;
  private readonly process: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[]) {
    this.process = spawn(process.execPath, ['--import', 'tsx', MAIN, 'exec', ...args], { cwd: REPO_ROOT, env: cleanEnv() });
    let partial = '';
    this.process.stdout.on('data', (b: Buffer) => {
      partial += b.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.process.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => this.process.once('close', (code) => resolve(code)));
    this.stopped = new Promise((resolve) => this.process.once('exit', () => resolve()));
  }

  /** Stops exec and every program it started (a program outlives an exec killed with SIGKILL). */
  async destroy(): Promise<void> {
    this.process.kill('SIGKILL');
    await this.stopped;
    for (const line of this.linesOf('start')) {
      try {
        process.kill(Number(line.split(' ')[1]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Lines starting with `word`. */
  linesOf(word: string): string[] {
    return this.lines.filter((l) => l.startsWith(`${word} `));
  }

  /** Waits for a line that matches; returns it. */
  waitFor(what: RegExp, timeoutMs = 60_000): Promise<string> {
    return eventually(`a line matching ${what} (stderr: ${this.stderr.slice(-2000)})`, async () => this.lines.find((l) => what.test(l)), timeoutMs);
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }
}
