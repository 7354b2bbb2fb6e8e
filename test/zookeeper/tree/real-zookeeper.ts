// A real ZooKeeper 3.8 (Debian's `zookeeper` package) in standalone mode on a loopback port, as the
// yardstick the znode tree's semantics are compared with.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

export function zookeeperInstalled(): boolean {
  return existsSync(ZOOKEEPER_JAR) && existsSync('/usr/bin/java');
}

export interface RealZooKeeper {
  readonly address: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, LOOPBACK);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRealZooKeeper(): Promise<RealZooKeeper> {
  const dir = await mkdtemp(join(tmpdir(), 'lodestone-real-zk-'));
  const [port] = await freePorts(1);
  await writeFile(
    join(dir, 'zoo.cfg'),
    `tickTime=2000\ndataDir=${dir}\nclientPort=${port!}\nclientPortAddress=${LOOPBACK}\nadmin.enableServer=false\n`,
  );
  const child: ChildProcess = spawn(
    '/usr/bin/java',
    ['-Dzookeeper.extendedTypesEnabled=true', '-cp', `/etc/zookeeper/conf:${ZOOKEEPER_JAR}`, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    if (await portOpen(port!)) return { address: `${LOOPBACK}:${port!}`, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('ZooKeeper did not start listening');
}
