// A real ZooKeeper 3.8 ensemble of 3 (or any odd number) on loopback, each server in its own
// temporary directory with its myid: the yardstick the benchmark sets beside a Lodestone cluster of
// as many members, so both replicate every write.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';
import { fourLetterWord, ZOOKEEPER_JAR } from './real-zookeeper.js';

const START_TIMEOUT_MS = 60_000;

export interface RealZooKeeperEnsemble {
  /** Each server's client port, by server index. */
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

export async function startRealZooKeeperEnsemble(size: number): Promise<RealZooKeeperEnsemble> {
  const root = await mkdtemp(join(tmpdir(), 'real-zookeeper-ensemble-'));
  const ports = await freePorts(size * 3);
  const client = (i: number): number => ports[i * 3]!;
  const servers = Array.from({ length: size }, (_, i) => `server.${i + 1}=${LOOPBACK}:${ports[i * 3 + 1]!}:${ports[i * 3 + 2]!}`);
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5_000).unref();
          }),
      ),
    );
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const dir = join(root, `zk${i + 1}`);
      await mkdir(join(dir, 'data'), { recursive: true });
      await writeFile(join(dir, 'data', 'myid'), `${i + 1}\n`);
      const config = [
        'tickTime=2000',
        'initLimit=10',
        'syncLimit=5',
        `dataDir=${join(dir, 'data')}`,
        `clientPort=${client(i)}`,
        `clientPortAddress=${LOOPBACK}`,
        'admin.enableServer=false',
        '4lw.commands.whitelist=*',
        'extendedTypesEnabled=true',
        ...servers,
      ];
      await writeFile(join(dir, 'zoo.cfg'), `${config.join('\n')}\n`);
      const fd = openSync(join(dir, 'server.log'), 'a');
      children.push(spawn('java', ['-Xmx256m', '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')], { cwd: dir, stdio: ['ignore', fd, fd] }));
      closeSync(fd);
    }
    // Serving once a quorum has formed: every server says it leads or follows.
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const stats = await Promise.all(Array.from({ length: size }, (_, i) => fourLetterWord(client(i), 'srvr').catch(() => '')));
      if (stats.every((s) => /Mode: (leader|follower)/.test(s))) break;
      if (Date.now() > deadline) throw new Error(`the ZooKeeper ensemble did not form within ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports: Array.from({ length: size }, (_, i) => client(i)), stop };
}
