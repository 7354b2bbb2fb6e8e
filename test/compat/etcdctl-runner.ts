// Runs the real etcdctl (API v3) against a target, as a user would: arguments, stdin, exit code,
// stdout and stderr as printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { findBinary } from '../support/binaries.js';

export interface CtlResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

/** etcdctl's environment: ETCDCTL_API=3 and none of the caller's other ETCDCTL_* settings. */
function env(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCDCTL_')) out[k] = v;
  out.ETCDCTL_API = '3';
  return out;
}

export function etcdctl(endpoints: readonly string[], args: readonly string[], stdin?: string): Promise<CtlResult> {
  const bin = findBinary('etcdctl');
  if (bin === undefined) return Promise.reject(new Error('etcdctl is not on PATH (Debian package etcd-client)'));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [`--endpoints=${endpoints.join(',')}`, ...args], {
      env: env(),
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    // etcdctl's own command timeout is 5 s; this only guards against a hung process.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code });
    });
    if (child.stdin) {
      // etcdctl may exit (an error) before it has read its input: that is its answer, not ours.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin);
    }
  });
}

/** The last non-empty line etcdctl printed on stderr: its "Error: …" line. */
export function errorLine(r: CtlResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0);
  return lines[lines.length - 1] ?? '';
}

/** How a long-running etcdctl (watch, lease keep-alive, lock, elect) ended. */
export interface CtlExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A long-running etcdctl: what it printed so far, waiting for what it prints, signals. Every
 * process started here is tracked until it exits, so that a suite's afterAll can stop what a
 * failed test left running (stopAllEtcdctl).
 */
export class EtcdctlProcess {
  private out = '';
  private err = '';
  private exitStatus: CtlExit | undefined;
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<CtlExit>;

  constructor(
    readonly args: readonly string[],
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      this.out += s;
      this.changed();
    });
    child.stderr!.on('data', (s: string) => {
      this.err += s;
      this.changed();
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        running.delete(this);
        this.changed();
        resolve(this.exitStatus);
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get exit(): CtlExit | undefined {
    return this.exitStatus;
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /**
   * Resolves once `condition` holds of what the process printed on stdout; rejects, with what it
   * printed, if it exits first or `limitMs` passes (a limit against hangs, not a timing check).
   */
  until(what: string, condition: (stdout: string) => boolean, limitMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.listeners.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        if (condition(this.out)) {
          done();
          resolve(this.out);
        } else if (this.exitStatus) {
          done();
          reject(new Error(`etcdctl ${this.args.join(' ')} exited (${JSON.stringify(this.exitStatus)}) before ${what}:\n${this.out}\n[stderr]\n${this.err}`));
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`etcdctl ${this.args.join(' ')}: no ${what} within ${limitMs} ms:\n${this.out}\n[stderr]\n${this.err}`));
      }, limitMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Sends `signal` (SIGTERM by default) and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<CtlExit> {
    if (!this.exitStatus) this.child.kill(signal);
    return this.exited;
  }
}

const running = new Set<EtcdctlProcess>();

/** Starts etcdctl and returns at once; see EtcdctlProcess. */
export function spawnEtcdctl(endpoints: readonly string[], args: readonly string[]): EtcdctlProcess {
  const bin = findBinary('etcdctl');
  if (bin === undefined) throw new Error('etcdctl is not on PATH (Debian package etcd-client)');
  const child = spawn(bin, [`--endpoints=${endpoints.join(',')}`, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  const p = new EtcdctlProcess(args, child);
  running.add(p);
  child.once('error', () => undefined);
  return p;
}

/** Kills every etcdctl started by spawnEtcdctl that is still running (for afterAll). */
export async function stopAllEtcdctl(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}
