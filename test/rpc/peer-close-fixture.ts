// Run as a child process by peer-close.test.ts: uses three transports the way a cluster does
// (streams, a snapshot, a peer that is down and being retried), closes them, reports the handles
// still open, and must then exit on its own.

import { closeAll, generatedPayload, numbered, range, startCluster, unusedPort } from './peer-test-helpers.js';

const members = await startCluster(3);
const [a, b, c] = members;
if (a === undefined || b === undefined || c === undefined) throw new Error('three members expected');
a.transport.setPeer(9, [`127.0.0.1:${await unusedPort()}`]);
a.handler.payloadFor = () => generatedPayload(3 * 1024 * 1024, 100_000);
for (const from of members) {
  for (const to of members) {
    if (from !== to) from.transport.send(range(0, 300).map((s) => numbered(from.id, to.id, s)));
  }
}
a.transport.send([
  numbered(1, 9, 0),
  { type: 'snapshot', from: 1, to: 2, term: 1, snapshot: { meta: { index: 5, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array() } },
]);
await b.handler.until(() => b.handler.received.length === 600 && b.handler.staged.length === 1);
await c.handler.until(() => c.handler.received.length === 600);
await a.handler.until(() => a.handler.snapshotStatuses.length === 1 && a.handler.unreachable.includes(9));
await closeAll(members);
// Sockets finish closing over a few turns of the event loop (callbacks queued as immediates); give
// them those turns, then list what still keeps the event loop alive.
let resources = process.getActiveResourcesInfo();
for (let turn = 0; turn < 100 && resources.includes('Immediate'); turn++) {
  await new Promise((resolve) => setImmediate(resolve));
  resources = process.getActiveResourcesInfo();
}
process.stdout.write(JSON.stringify({ closed: true, resources }) + '\n');
