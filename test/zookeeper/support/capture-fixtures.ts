// Captures the Jute fixtures: starts a real ZooKeeper 3.8, runs Kazoo's, the Java client's and
// zkCli.sh's sessions through the capture proxy, and writes one JSON file per exchange into
// test/zookeeper/jute-fixtures, replacing that client's earlier files. Run:
//   npx tsx test/zookeeper/support/capture-fixtures.ts [kazoo|java|zkcli ...]   (all three by default)
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAPTURED_CLIENTS, captureClientSession, type CapturedClient } from './captured-clients.js';
import { toFixture } from './exchanges.js';
import { startRealZooKeeper } from './real-zookeeper.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'jute-fixtures');

function chosenClients(): readonly CapturedClient[] {
  const asked = process.argv.slice(2);
  if (asked.length === 0) return CAPTURED_CLIENTS;
  const unknown = asked.filter((a) => !(CAPTURED_CLIENTS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`unknown client ${unknown.join(', ')}; choose among ${CAPTURED_CLIENTS.join(', ')}`);
  return asked as CapturedClient[];
}

async function main(): Promise<void> {
  const clients = chosenClients();
  const zk = await startRealZooKeeper();
  try {
    await mkdir(FIXTURES, { recursive: true });
    for (const client of clients) {
      for (const f of await readdir(FIXTURES)) if (f.startsWith(`${client}-`) && f.endsWith('.json')) await rm(join(FIXTURES, f));
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
