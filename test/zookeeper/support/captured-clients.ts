// Drives each real client program through a capture proxy against a ZooKeeper and returns the
// exchanges it made. When a program prints DROP, the proxy cuts its connection and the program is
// told to go on, so the capture includes a reconnect with its SetWatches/SetWatches2.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPythonModule, isCi, systemPython, systemPythonEnv } from '../../support/binaries.js';
import { LOOPBACK } from '../../support/free-ports.js';
import { startCaptureProxy } from './capture-proxy.js';
import { pairExchanges, type Exchange } from './exchanges.js';
import { ZK_CLI, ZOOKEEPER_JAR, zookeeperAvailable } from './real-zookeeper.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const HUNG_MS = 90_000;

export type CapturedClient = 'kazoo' | 'java' | 'zkcli';

export const CAPTURED_CLIENTS: readonly CapturedClient[] = ['kazoo', 'java', 'zkcli'];

/**
 * Whether `client` can run here (Kazoo needs Debian's python3-kazoo, zkCli.sh and the Java client
 * Debian's zookeeper and java). Missing outside CI: a loud warning, and false so the caller skips;
 * under CI=true always true, so the test runs and fails naming what is missing.
 */
export function capturedClientRuns(client: CapturedClient): boolean {
  if (!zookeeperAvailable()) return isCi();
  if (client === 'kazoo') return checkPythonModule('kazoo', 'python3-kazoo', 'capturing Kazoo\'s Jute').run;
  if (client === 'zkcli') {
    try {
      accessSync(ZK_CLI, constants.X_OK);
    } catch {
      if (!isCi()) console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING the zkCli.sh capture: ${ZK_CLI} (Debian package zookeeper) not found.\n${'!'.repeat(78)}\n`);
      return isCi();
    }
  }
  return true;
}

interface Command {
  readonly cmd: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Fed to the program's stdin, which is then closed (zkCli.sh reads its commands there). */
  readonly script?: string;
}

function command(client: CapturedClient, hostPort: string): Command {
  switch (client) {
    case 'kazoo':
      return { cmd: systemPython(), args: [join(HERE, 'kazoo-jute-session.py'), hostPort], env: systemPythonEnv() };
    case 'java':
      return { cmd: process.env.JAVA_BIN ?? 'java', args: ['-cp', ZOOKEEPER_JAR, join(HERE, 'JuteSession.java'), hostPort], env: process.env };
    case 'zkcli':
      return { cmd: ZK_CLI, args: ['-server', hostPort], env: process.env, script: readFileSync(join(HERE, 'zkcli-jute-session.txt'), 'utf8') };
  }
}

export async function captureClientSession(client: CapturedClient, zookeeperPort: number): Promise<{ exchanges: Exchange[]; output: string }> {
  const proxy = await startCaptureProxy(zookeeperPort);
  try {
    const { cmd, args, env, script } = command(client, `${LOOPBACK}:${proxy.port}`);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let drops = 0;
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        // Counted over the whole output: a DROP line may arrive split across chunks.
        const asked = out.match(/^DROP$/gm)?.length ?? 0;
        for (; drops < asked; drops++) {
          proxy.dropConnections();
          child.stdin.write('\n');
        }
      });
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      if (script !== undefined) child.stdin.end(script);
      const timer = setTimeout(() => child.kill('SIGKILL'), HUNG_MS);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`${client} session exited ${String(code ?? signal)}:\n${out}\n[stderr]\n${err.slice(-4000)}`));
      });
    });
    // Let the last frames (the close's reply) through before pairing.
    await new Promise((r) => setTimeout(r, 200));
    return { exchanges: pairExchanges(client, proxy.frames), output };
  } finally {
    await proxy.close();
  }
}
