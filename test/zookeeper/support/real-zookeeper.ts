// Starts a real ZooKeeper 3.8 (Debian's `zookeeper` package) standalone, in a temporary directory on
// a free loopback port, as the yardstick the ZooKeeper-protocol tests compare Lodestone against.
// zookeeper.jar's manifest names its dependencies, so the jar alone is the classpath.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCi } from '../../support/binaries.js';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';

/** ZOOKEEPER_JAR overrides where Debian puts the server's jar. */
export const ZOOKEEPER_JAR = process.env.ZOOKEEPER_JAR ?? '/usr/share/java/zookeeper.jar';
export const ZK_CLI = process.env.ZK_CLI ?? '/usr/share/zookeeper/bin/zkCli.sh';
const JAVA = process.env.JAVA_BIN ?? 'java';

const START_TIMEOUT_MS = 30_000;

export interface RealZooKeeper {
  readonly port: number;
  /** Where the server's output goes, for a failing test's message. */
  readonly logFile: string;
  stop(): Promise<void>;
}

let availability: boolean | undefined;

/**
 * Whether java and ZooKeeper's jar are here. When not, prints a loud warning outside CI (the caller
 * skips); under CI=true the caller runs anyway and startRealZooKeeper fails, naming what is missing.
 */
export function zookeeperAvailable(): boolean {
  if (availability !== undefined) return availability;
  availability = missingPieces().length === 0;
  if (!availability && !isCi()) {
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING the real-ZooKeeper tests: ${missingPieces().join('; ')}.\n!! Install Debian's zookeeper and a JRE, or run with CI=true to make this a failure.\n${bar}\n`);
  }
  return availability;
}

/** Run real-ZooKeeper tests: everything is here, or CI requires it. */
export function realZooKeeperTestsRun(): boolean {
  return zookeeperAvailable() || isCi();
}

function missingPieces(): string[] {
  const missing: string[] = [];
  try {
    accessSync(ZOOKEEPER_JAR, constants.R_OK);
  } catch {
    missing.push(`${ZOOKEEPER_JAR} (Debian package zookeeper) not found`);
  }
  const java = spawnSync(JAVA, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  if (java.status !== 0) missing.push(`${JAVA} (a JRE, Debian package default-jre-headless) does not run`);
  return missing;
}

export async function startRealZooKeeper(options: { extendedTypes?: boolean; superDigest?: string } = {}): Promise<RealZooKeeper> {
  const missing = missingPieces();
  if (missing.length > 0) throw new Error(`cannot start ZooKeeper: ${missing.join('; ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'real-zookeeper-'));
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const config = [
    'tickTime=2000',
    `dataDir=${join(dir, 'data')}`,
    `clientPort=${port}`,
    `clientPortAddress=${LOOPBACK}`,
    'admin.enableServer=false',
    '4lw.commands.whitelist=*',
    // TTL nodes need it; it costs nothing otherwise.
    `extendedTypesEnabled=${options.extendedTypes === false ? 'false' : 'true'}`,
  ].join('\n');
  await writeFile(join(dir, 'zoo.cfg'), `${config}\n`);
  const logFile = join(dir, 'server.log');
  const fd = openSync(logFile, 'a');
  // ZooKeeper reads its super digest from a system property only.
  const properties = options.superDigest ? [`-Dzookeeper.DigestAuthenticationProvider.superDigest=${options.superDigest}`] : [];
  const child = spawn(JAVA, ['-Xmx256m', ...properties, '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')], {
    cwd: dir,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    await killAndWait(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(port, child);
  } catch (e) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`ZooKeeper did not start on ${LOOPBACK}:${port}: ${(e as Error).message}\n${log.slice(-4000)}`);
  }
  return { port, logFile, stop };
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls ZooKeeper's `srvr` four-letter word until it reports a version: `ruok` answers `imok` a
 * moment before the server takes sessions, and a client connecting then is dropped unanswered.
 */
async function waitUntilServing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if ((await fourLetterWord(port, 'srvr').catch(() => '')).includes('Zookeeper version')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no version from srvr within ${START_TIMEOUT_MS} ms`);
}

export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: LOOPBACK, port });
    let out = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2_000, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => socket.write(word));
    socket.on('data', (s: string) => (out += s));
    socket.once('error', reject);
    socket.once('close', () => resolve(out));
  });
}
