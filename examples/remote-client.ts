// A client of a running cluster (Lodestone or etcd): `npm run cluster` starts one on these ports.
import { connect, isEtcdError } from 'lodestone';

const endpoints = (process.env.LODESTONE_ENDPOINTS ?? '127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379').split(',');
// Talks to the first member that answers with a leader, and moves to another if that one fails.
const client = await connect({ endpoints });

const watch = await client.watch('jobs/42');
await client.put('jobs/42', 'queued');
// A write is not sent again when its outcome is unknown (its member died mid-call) — unless it says
// that applying it twice does no harm.
await client.put('jobs/42', 'running', { idempotent: true });

for await (const event of watch) {
  console.log(event.type, event.kv.keyString, event.kv.valueString);
  if (event.kv.valueString === 'running') break;
}

try {
  await client.put('jobs/42', 'done', { lease: 42n }); // no such lease
} catch (e) {
  if (isEtcdError(e, 'ETCD_LEASE_NOT_FOUND')) console.log(e.code, e.message);
  else throw e;
}
await client.close();
