// Runs `lodestone service …` as a user runs it: node + tsx on cli/main.ts, as `npm run lodestone`
// does, in its own process with the caller's LODESTONE_* settings left out.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cluster.js';

const MAIN = join(REPO_ROOT, 'cli', 'main.ts');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('LODESTONE_')) env[k] = v;
  return env;
}

/** Starts `lodestone service <args>`: for a command that runs until stopped (watch). */
export function startService(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, 'service', ...args], { cwd: REPO_ROOT, env: cleanEnv() });
}

/** Runs `lodestone service <args>` to its end. */
export function runService(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = startService(args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
