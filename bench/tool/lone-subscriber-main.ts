// A program with one config subscription, as a deployed instance has: it prints "ready" once
// subscribed, then for each snapshot "snap <release> <epoch ms>" (timeOrigin + now, the moment the
// snapshot reached it). Run by lone-subscriber.ts with the endpoints and namespace as arguments.
import { connect } from '../../client/connect.js';

const [endpoints, ns] = process.argv.slice(2);
const client = await connect({ endpoints: endpoints!.split(','), connectTimeoutMs: 30_000 });
const sub = await client.subscribeConfig(ns!, { cacheDir: false, instance: `bench-lone-${process.pid}` });
process.stdout.write('ready\n');
const stop = async (): Promise<void> => {
  await sub.close();
  await client.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
for await (const s of sub) process.stdout.write(`snap ${s.release} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
