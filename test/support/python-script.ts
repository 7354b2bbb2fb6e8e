// Runs a Python script with the system's Python (the one Debian's client packages are installed
// for) and gives back the lines it printed; a non-zero exit fails with its output and stderr.
import { spawn } from 'node:child_process';
import { systemPython, systemPythonEnv } from './binaries.js';

/** The clients' own timeouts are 10 s a call; this only guards against a hung process. */
const HUNG_MS = 60_000;

export function runPythonScript(script: string, args: readonly string[]): Promise<string[]> {
  const argv = [script, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython(), argv, { env: systemPythonEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), HUNG_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trimEnd().split('\n'));
      else reject(new Error(`${systemPython()} ${argv.join(' ')} exited ${String(code ?? signal)}:\n${out}\n[stderr]\n${err}`));
    });
  });
}
