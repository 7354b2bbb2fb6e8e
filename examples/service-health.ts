// Health-aware discovery: an instance with a TTL check, reported on by the instance itself; a
// discovery of the healthy instances only; and the dependency edges discover() records.
import { discover, openNode, readDependencies, register } from 'lodestone';

const client = await openNode({ inMemory: true });

// The members run the checks; a TTL check is the instance's own: it reports within 2 s, or is down.
const worker = await register(client, 'worker', 'worker-1', { address: '10.0.0.7', port: 9000, checks: [{ id: 'worker-1-ttl', ttlMs: 2000 }] });
const healthy = await discover(client, 'worker', { passing: true, consumer: 'scheduler' });
console.log('healthy at start:', healthy.instances.size); // 0: a check starts critical, as Consul's

for (const edge of await readDependencies(client)) console.log(`${edge.consumer} depends on ${edge.service}`);

console.log('report:', await worker.report('worker-1-ttl', 'passing', 'queue drained')); // written
for await (const change of healthy) {
  if (change.type === 'added') console.log('healthy:', change.instance.instance, `${change.instance.address}:${change.instance.port}`);
  // No more reports: once its TTL has run out, the worker is dropped.
  if (change.type === 'removed') {
    console.log('dropped:', change.instance, worker.record.checks[0]?.id);
    break;
  }
}

await worker.close();
await healthy.close(); // its consumer record goes too
console.log('edges left:', (await readDependencies(client)).length); // 0
await client.close();
