// ZooKeeper's own command line (zkCli.sh from Debian's zookeeper package) runs the same script
// against real ZooKeeper 3.8 and against a Lodestone member: the same lines come back, once zxids
// are named by first appearance (so equal zxids stay equal), times hidden and session ids marked.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/free-ports.js';
import { realZooKeeperTestsRun, startRealZooKeeper, ZK_CLI, type RealZooKeeper } from './support/real-zookeeper.js';

// alice's digest: base64(sha1("alice:secret")); both servers take super:super-secret as super. (No sync: zkCli.sh prints its answer from a callback,
// in no fixed order with the next command's.)
const SCRIPT = [
  'create /c one',
  'create /c one',
  'create -s /c/s- a',
  'create -s /c/s- a',
  'create -e /c/e b',
  'create /c/e/x y',
  'ls /c',
  'ls -s /c',
  'set /c two',
  'set -v 0 /c three',
  'get -s /c',
  'stat /c/e',
  'delete /c',
  'delete /c/nope',
  'get /c/nope',
  'create /c/locked z digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=:cdrwa',
  'get /c/locked',
  'getAcl /c/locked',
  'addauth digest alice:secret',
  'whoami',
  'get /c/locked',
  'setAcl /c/locked auth::cdrwa',
  'getAcl /c/locked',
  'create /c/alone z digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=:cdrwa',
  'addauth digest super:super-secret',
  'whoami',
  'delete /c/alone',
  'create -c /c/box',
  'create -t 5000 /c/ttl v',
  'deleteall /c',
  'ls /c',
  'quit',
];

const SUPER_DIGEST = `super:${createHash('sha1').update('super:super-secret').digest('base64')}`;

/** Runs the script through zkCli.sh; its output (stdout and stderr, Java's logging left out), normalized. */
function zkCli(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(ZK_CLI, ['-server', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(normalize(out));
    });
    child.stdin.end(`${SCRIPT.join('\n')}\n`);
  });
}

export function normalize(output: string): string[] {
  const names = new Map<string, string>();
  return output
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !l.startsWith('SLF4J') && !/^(Connecting to|Welcome to|JLine|WATCHER::|WatchedEvent)/.test(l))
    .map((l) =>
      l
        .replace(/^([cmp]Zxid) = (0x[0-9a-f]+)$/, (_, field: string, zxid: string) => {
          if (!names.has(zxid)) names.set(zxid, `Z${names.size + 1}`);
          return `${field} = ${names.get(zxid)!}`;
        })
        .replace(/^([cm]time) = .*$/, '$1 = <time>')
        .replace(/^ephemeralOwner = 0x(?!0$)[0-9a-f]+$/, 'ephemeralOwner = <session>'),
    );
}

describe.runIf(realZooKeeperTestsRun())('zkCli.sh against ZooKeeper 3.8 and against Lodestone', () => {
  let real: RealZooKeeper;
  let member: TestCluster;

  beforeAll(async () => {
    const [zkPort] = await freePorts(1);
    [real, member] = await Promise.all([
      startRealZooKeeper({ superDigest: SUPER_DIGEST }),
      TestCluster.start({
        implementation: 'lodestone',
        logLevel: 'warn',
        readyTimeoutMs: 60_000,
        extraArgs: ['--listen-zookeeper-urls', `127.0.0.1:${zkPort!}`, '--zookeeper-super-digest', SUPER_DIGEST],
      }),
    ]);
    lodestonePort = zkPort!;
  }, 90_000);
  let lodestonePort: number;

  afterAll(async () => {
    await Promise.all([real?.stop(), member?.destroy()]);
  });

  it('prints the same lines for the same commands', async () => {
    const [fromZooKeeper, fromLodestone] = await Promise.all([zkCli(real.port), zkCli(lodestonePort)]);
    expect(fromZooKeeper).toContain('Created /c/s-0000000001');
    expect(fromLodestone).toEqual(fromZooKeeper);
  }, 120_000);
});
