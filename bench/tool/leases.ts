// Leases for the lease and registry workloads: granted with 64 in flight, and kept alive over
// bidi streams, each with a window of requests in flight, for a duration.
import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { LeaseGrantResponse, LeaseKeepAliveRequest, LeaseKeepAliveResponse, Outgoing, ServiceClient } from '../../rpc/etcd-api.js';
import { progressBar } from './progress.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

const GRANTS_IN_FLIGHT = 64;
const STREAMS = 4;
const WINDOW = 64;

export async function grantLeases(lease: ServiceClient<'Lease'>, count: number, ttlSeconds: number): Promise<string[]> {
  const ids: string[] = [];
  const md = new Metadata();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, GRANTS_IN_FLIGHT) }, async () => {
      while (next < count) {
        next++;
        ids.push(
          await new Promise<string>((resolve, reject) =>
            lease.LeaseGrant({ TTL: String(ttlSeconds) }, md, { deadline: Date.now() + 60_000 }, (err: ServiceError | null, res?: LeaseGrantResponse) =>
              err ? reject(new Error(`lease grant: ${err.details || err.message}`)) : resolve(res!.ID),
            ),
          ),
        );
      }
    }),
  );
  return ids;
}

export interface KeepAliveResult {
  readonly count: number;
  readonly perSecond: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly latency: LatencySummary;
  readonly clientCpu: number;
}

/** STREAMS streams renew their share of `ids` round-robin, WINDOW requests in flight each, for `seconds`. */
export async function keepAlive(lease: ServiceClient<'Lease'>, ids: readonly string[], seconds: number, label: string, quiet: boolean): Promise<KeepAliveResult> {
  const recorder = new LatencyRecorder();
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = started + seconds * 1000;
  const bar = progressBar(label, Math.round(seconds), seconds, quiet);
  const tick = setInterval(() => bar.update((performance.now() - started) / 1000), 250);
  await Promise.all(
    Array.from({ length: STREAMS }, (_, s) => {
      const mine = ids.filter((_, i) => i % STREAMS === s);
      if (mine.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const stream: ClientDuplexStream<Outgoing<LeaseKeepAliveRequest>, LeaseKeepAliveResponse> = lease.LeaseKeepAlive(new Metadata());
        const requests = mine.map((ID) => ({ ID }));
        const sentAt: number[] = [];
        let next = 0;
        let outstanding = 0;
        let ended = false;
        const send = (): void => {
          while (!ended && outstanding < WINDOW && performance.now() < deadline) {
            sentAt.push(performance.now());
            outstanding++;
            stream.write(requests[next++ % requests.length]!);
          }
          if (outstanding === 0 && !ended) {
            ended = true;
            stream.end();
          }
        };
        stream.on('data', (res: LeaseKeepAliveResponse) => {
          // Answers come in the order of the requests on the stream.
          const t = sentAt.shift()!;
          outstanding--;
          if (Number(res.TTL) <= 0) {
            errors++;
            firstError ??= `lease ${res.ID} not found (TTL 0)`;
          } else recorder.record(performance.now() - t);
          send();
        });
        stream.on('error', (e: ServiceError) => {
          errors++;
          firstError ??= e.details || e.message;
          ended = true;
          resolve();
        });
        stream.on('end', () => resolve());
        send();
      });
    }),
  );
  clearInterval(tick);
  bar.stop();
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { clientCpu: (used.user + used.system) / 1e6 / elapsed, count: recorder.count, perSecond: recorder.count / elapsed, errors, latency: recorder.summary(), ...(firstError !== undefined ? { firstError } : {}) };
}
