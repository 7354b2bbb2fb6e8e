// A node inside this process: keys, ranges, a transaction, a lease and a watch, with no server to run.
import { Op, openNode } from 'lodestone';

// { dataDir: './data' } keeps the data on disk; in memory, it is gone when the node closes.
const node = await openNode({ inMemory: true });

await node.put('app/greeting', 'hello');
await node.put('app/color', 'blue');
console.log((await node.get('app/greeting'))?.valueString); // hello

const { kvs } = await node.range({ prefix: 'app/', sort: { target: 'key', order: 'descend' } });
console.log(kvs.map((kv) => kv.keyString).join(' ')); // app/greeting app/color

// Compare-and-swap: change the color only if nobody changed it since we read it.
const color = await node.get('app/color');
const swap = await node
  .txn()
  .if('app/color', 'mod', '==', color!.modRevision)
  .then(Op.put('app/color', 'green'))
  .else(Op.get('app/color'))
  .commit();
console.log(swap.succeeded); // true

// A key that lives as long as its lease: the lease is kept alive until revoked.
const lease = await node.grant(10);
await node.put('app/session', 'active', { lease });

// Watch the prefix: every change from now on, in order.
const watch = await node.watch({ prefix: 'app/' });
await node.put('app/greeting', 'hi');
await lease.revoke(); // deletes app/session
for await (const event of watch) {
  console.log(event.type, event.kv.keyString, event.kv.valueString);
  if (event.type === 'delete') break; // put app/greeting hi, then delete app/session
}

await node.close();
