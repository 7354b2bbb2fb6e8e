// Runs the real etcdctl (API v3) against a target, as a user would: arguments, stdin, exit code,
// stdout and stderr as printed.
import { spawn } from 'node:child_process';
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
