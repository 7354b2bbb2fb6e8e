// Service registration and discovery: instances announce themselves under
// /lodestone/services/<service>/<instance> on a lease, and vanish when their process stops.
import { discover, openNode, register } from 'lodestone';

// Any KvClient will do: an embedded node, or connect({ endpoints }) to a cluster.
const client = await openNode({ inMemory: true });

const api = await discover(client, 'api', { passing: true, tags: ['v2'] });
console.log('instances at start:', api.instances.size); // 0

// Kept alive while this process runs; gone within 10 s of its death.
const one = await register(client, 'api', 'api-1', { ttl: 10, address: '10.0.0.1', port: 8080, tags: ['v2'], weights: { passing: 3 } });
const two = await register(client, 'api', 'api-2', { ttl: 10, address: '10.0.0.2', port: 8080, tags: ['v2'] });

let seen = 0;
for await (const change of api) {
  if (change.type === 'removed') console.log('removed', change.instance);
  else console.log(change.type, change.instance.instance, `${change.instance.address}:${change.instance.port}`);
  if (++seen === 2) {
    // Smooth weighted round-robin: api-1 (weight 3) three times in every four picks.
    console.log('picks:', Array.from({ length: 4 }, () => api.pick()?.instance).join(' '));
    await one.close(); // removes api-1 at once
  }
  if (seen === 3) break;
}
console.log('instances now:', [...api.instances.keys()].join(',')); // api-2

await two.close();
await api.close();
await client.close();
