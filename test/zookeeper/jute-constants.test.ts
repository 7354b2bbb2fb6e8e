// The op codes, error codes, create modes, watch event types and states, AddWatch modes, watcher
// types and permission bits, compared with the ones the installed ZooKeeper 3.8 jar itself defines
// (read by reflection): every constant on either side must be on the other, with the same value.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADD_WATCH_MODE, CREATE_MODE, ERROR_CODE, EVENT_TYPE, KEEPER_STATE, OP_CODE, PERMS, WATCHER_TYPE } from '../../zookeeper/jute/index.js';
import { realZooKeeperTestsRun, ZOOKEEPER_JAR } from './support/real-zookeeper.js';

const PROGRAM = join(dirname(fileURLToPath(import.meta.url)), 'support', 'ZooKeeperConstants.java');

/** Java's PERSISTENT_WITH_TTL, SyncConnected and OK against our persistentWithTtl, syncConnected and Ok. */
const normalize = (name: string): string => name.replace(/_/g, '').toLowerCase();

function asMap(table: Readonly<Record<string, number>>): Map<string, number> {
  return new Map(Object.entries(table).map(([k, v]) => [normalize(k), v]));
}

describe.runIf(realZooKeeperTestsRun())('wire constants equal ZooKeeper 3.8\'s own', () => {
  const java = new Map<string, Map<string, number>>();

  beforeAll(() => {
    const run = spawnSync(process.env.JAVA_BIN ?? 'java', ['-cp', ZOOKEEPER_JAR, PROGRAM], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`reading ZooKeeper's constants failed: ${run.stderr}`);
    for (const line of run.stdout.trim().split('\n')) {
      const [group, name, value] = line.split(' ');
      if (group === undefined || name === undefined || value === undefined) continue;
      const m = java.get(group) ?? new Map<string, number>();
      m.set(normalize(name), Number(value));
      java.set(group, m);
    }
  }, 60_000);

  const tables: [string, Readonly<Record<string, number>>][] = [
    ['op', OP_CODE],
    ['error', ERROR_CODE],
    ['createMode', CREATE_MODE],
    ['eventType', EVENT_TYPE],
    ['keeperState', KEEPER_STATE],
    ['addWatchMode', ADD_WATCH_MODE],
    ['watcherType', WATCHER_TYPE],
    ['perm', PERMS],
  ];

  it.each(tables)('%s', (group, table) => {
    const theirs = java.get(group);
    expect(theirs, `ZooKeeper printed no ${group} constants`).toBeDefined();
    expect(Object.fromEntries(asMap(table))).toEqual(Object.fromEntries(theirs ?? []));
  });
});
