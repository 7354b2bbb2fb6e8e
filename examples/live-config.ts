// Live configuration: typed, validated values under /lodestone/config/<prefix>/<key>, and their
// changes as they happen. Any etcd client can write them, e.g.
//   etcdctl put /lodestone/config/checkout/limits '{"maxItems": 50}'
import { config, configKey, openNode } from 'lodestone';

interface Limits {
  readonly maxItems: number;
}
const parseLimits = (raw: string): Limits => {
  const v = JSON.parse(raw) as Partial<Limits>;
  if (typeof v.maxItems !== 'number' || v.maxItems < 1) throw new Error('maxItems must be a positive number');
  return { maxItems: v.maxItems };
};

const client = await openNode({ inMemory: true });
await client.put(configKey('checkout', 'limits'), JSON.stringify({ maxItems: 20 }));

const checkout = await config(client, 'checkout', { parse: parseLimits });
console.log('current maxItems:', checkout.get('limits')?.maxItems); // 20

// Elsewhere, an operator changes it (with this client, etcdctl, or any etcd client) …
setTimeout(() => {
  void (async () => {
    await client.put('/lodestone/config/checkout/limits', JSON.stringify({ maxItems: 0 })); // rejected by parseLimits
    await client.put('/lodestone/config/checkout/limits', JSON.stringify({ maxItems: 50 }));
  })();
}, 10);

// … and the service sees it within milliseconds. The loop starts with the values there are.
for await (const change of checkout) {
  if (change.type === 'invalid') console.log('rejected:', change.error.message);
  if (change.type === 'set') console.log('maxItems =', change.value.maxItems); // 20, then 50
  if (change.type === 'set' && change.value.maxItems === 50) break;
}

await checkout.close();
await client.close();
