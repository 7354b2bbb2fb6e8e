// Service registration and discovery: instances announce themselves under
// /lodestone/services/<service>/<instance> on a lease, and vanish when their process stops.
import { discover, openNode, register } from 'lodestone';

// Any KvClient will do: an embedded node, or connect({ endpoints }) to a cluster.
const client = await openNode({ inMemory: true });

interface Endpoint {
  readonly host: string;
  readonly port: number;
}
const isEndpoint = (v: unknown): Endpoint => {
  const e = v as Partial<Endpoint>;
  if (typeof e.host !== 'string' || typeof e.port !== 'number') throw new Error('not an endpoint');
  return { host: e.host, port: e.port };
};

const api = await discover(client, 'api', { parse: isEndpoint });
console.log('instances at start:', api.instances.size); // 0

// Kept alive while this process runs; gone within 10 s of its death.
const one = await register(client, 'api', 'api-1', { ttl: 10, value: { host: '10.0.0.1', port: 8080 } });
const two = await register(client, 'api', 'api-2', { ttl: 10, value: { host: '10.0.0.2', port: 8080 } });

let seen = 0;
for await (const change of api) {
  if (change.type === 'removed') console.log('removed', change.instance);
  else console.log(change.type, change.instance.instance, `${change.instance.value.host}:${change.instance.value.port}`);
  if (++seen === 2) await one.close(); // removes api-1 at once
  if (seen === 3) break;
}
console.log('instances now:', [...api.instances.keys()].join(',')); // api-2

await two.close();
await api.close();
await client.close();
