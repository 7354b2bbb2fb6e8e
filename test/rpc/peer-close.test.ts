// close() leaves nothing behind: a process that used transports (streams, a snapshot, a peer being
// retried) and closed them exits on its own, with no socket or timer still open.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./peer-close-fixture.ts', import.meta.url));

interface FixtureReport {
  readonly closed: boolean;
  readonly resources: string[];
}

/** Runs the fixture; resolves with its report and exit code, or its signal if it had to be killed. */
function runFixture(): Promise<{ code: number | null; signal: NodeJS.Signals | null; report: FixtureReport | undefined; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Only a guard against a hang: a process that has not exited by then has a dangling handle.
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, signal, report: line === undefined ? undefined : (JSON.parse(line) as FixtureReport), stderr });
    });
  });
}

describe('close()', () => {
  it('leaves no open handles: the process exits on its own', async () => {
    const { code, signal, report, stderr } = await runFixture();
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(report?.closed).toBe(true);
    // Standard streams may show up as pipes or ttys; sockets, servers and timers must not.
    const leftovers = (report?.resources ?? []).filter((r) => !['PipeWrap', 'TTYWrap', 'FSReqCallback'].includes(r));
    expect(leftovers).toEqual([]);
  });
});
