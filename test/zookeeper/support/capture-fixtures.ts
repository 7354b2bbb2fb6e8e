// Captures the Jute fixtures: starts a real ZooKeeper 3.8, runs Kazoo's and the Java client's
// sessions through the capture proxy, and writes one JSON file per exchange into
// test/zookeeper/jute-fixtures (replacing what was there). Run: npx tsx test/zookeeper/support/capture-fixtures.ts
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureClientSession, type CapturedClient } from './captured-clients.js';
import { toFixture } from './exchanges.js';
import { startRealZooKeeper } from './real-zookeeper.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'jute-fixtures');
const CLIENTS: readonly CapturedClient[] = ['kazoo', 'java'];

async function main(): Promise<void> {
  const zk = await startRealZooKeeper();
  try {
    await mkdir(FIXTURES, { recursive: true });
    for (const f of await readdir(FIXTURES)) if (f.endsWith('.json')) await rm(join(FIXTURES, f));
    for (const client of CLIENTS) {
      const { exchanges, output } = await captureClientSession(client, zk.port);
      process.stdout.write(output);
      let n = 0;
      for (const ex of exchanges) {
        const name = `${client}-${String(n++).padStart(3, '0')}-${ex.op}.json`;
        await writeFile(join(FIXTURES, name), `${JSON.stringify(toFixture(ex), null, 2)}\n`);
      }
      console.log(`${client}: ${exchanges.length} exchanges`);
    }
  } finally {
    await zk.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
