// `lodestone exec` run as a user runs it (node + tsx on cli/main.ts, as the tool runs members) over
// a small program that prints when it started and the value it was given (config-exec-child.mjs):
// the config-delivery workload times a publish to the restarted program's start with the new value.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('./config-exec-child.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProgramStart {
  readonly pid: number;
  /** Wall-clock ms since the epoch when the program began running. */
  readonly epochMs: number;
  readonly value: string;
}

/** The environment without LODESTONE_* settings, so only the flags given configure exec. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return env;
}

export class ExecRestarts {
  private readonly starts: ProgramStart[] = [];
  private stderr = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly exec: ChildProcessWithoutNullStreams,
    private readonly cacheDir: string,
  ) {
    let partial = '';
    exec.stdout.on('data', (b: Buffer) => {
      partial += b.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /^start (\d+) (\d+(?:\.\d+)?) (.*)$/.exec(line);
        if (m) this.starts.push({ pid: Number(m[1]), epochMs: Number(m[2]), value: m[3]! });
      }
    });
    exec.stderr.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    this.exited = new Promise((resolve) =>
      exec.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      }),
    );
  }

  /** Starts exec on `ns` (item `item` given to the program as its upper-cased name). */
  static async start(endpoints: readonly string[], ns: string, item: string): Promise<ExecRestarts> {
    const cacheDir = await mkdtemp(join(tmpdir(), 'bench-exec-cache-'));
    const args = ['--import', 'tsx', MAIN, 'exec', '--endpoints', endpoints.join(','), '--config', ns, '--cache-dir', cacheDir, '--instance', `bench-exec-${process.pid}`];
    args.push('--kill-timeout', '5s', '--', process.execPath, CHILD, item.toUpperCase());
    const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv() });
    return new ExecRestarts(child, cacheDir);
  }

  /** The first start of the program with `value` (waiting up to `limitMs`); undefined if none came. */
  async startedWith(value: string, limitMs: number): Promise<ProgramStart | undefined> {
    const end = performance.now() + limitMs;
    for (;;) {
      const found = this.starts.find((s) => s.value === value);
      if (found) return found;
      if (this.exitCode !== undefined) throw new Error(`lodestone exec exited (${this.exitCode ?? 'signal'}): ${this.stderr}`);
      if (performance.now() > end) return undefined;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  get lastError(): string {
    return this.stderr.trim().split('\n').pop() ?? '';
  }

  /** Stops exec (which stops its program), then makes sure every program it started is gone. */
  async close(): Promise<void> {
    if (this.exitCode === undefined) {
      this.exec.kill('SIGTERM');
      const timer = setTimeout(() => this.exec.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const s of this.starts) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(this.cacheDir, { recursive: true, force: true });
  }
}
