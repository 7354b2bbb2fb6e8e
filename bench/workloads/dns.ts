// dns: the registry's DNS interface on one member — --leases instances (10 a service, passing, each
// its own IPv4 address) registered with plain puts of the registry's keys, then A and SRV queries
// for random services over UDP (EDNS0, 1232 bytes, so 10 SRV records and their addresses fit),
// --clients in flight, and the same offered at 10,000/s. The member is a one-member Lodestone
// started for the workload with --listen-dns-urls; etcd has no DNS to compare with.
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { TestCluster } from '../../test/support/cluster.js';
import { freePorts, LOOPBACK } from '../../test/support/free-ports.js';
import { DnsLoad, type DnsQuestion } from '../tool/dns-load.js';
import { fillKeys } from '../tool/fill.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { RawKv } from '../tool/raw-kv.js';
import { loadRow, type RunContext, type Workload } from '../tool/workload.js';

const PER_SERVICE = 10;
/** The issue's target for one member: 10,000 queries a second with p99 ≤ 5 ms. */
export const DNS_TARGET_RATE = 10_000;
/** Distinct questions cycled through, in random order: many services, A and SRV alike. */
const QUESTIONS = 4096;

export const dnsWorkload: Workload = {
  name: 'dns',
  needsOwnCluster: true,
  async prepare(system, ctx) {
    if (system.name === 'etcd') throw new Error('etcd has no DNS interface: run the dns workload without --against etcd');
    const o = ctx.options;
    const [dnsPort] = await freePorts(1);
    const member = await TestCluster.start({
      implementation: 'lodestone',
      size: 1,
      logLevel: 'warn',
      readyTimeoutMs: 60_000,
      extraArgs: ['--listen-dns-urls', `${LOOPBACK}:${dnsPort}`],
      ...(o.cpuProf ? { nodeArgs: () => ['--cpu-prof', `--cpu-prof-dir=${resolve(o.cpuProf ?? '')}`] } : {}),
    });
    const kv = new RawKv(member.endpoints[0]!);
    let load: DnsLoad | undefined;
    try {
      const instances = Math.max(1, o.leases);
      const services = Math.max(1, Math.ceil(instances / PER_SERVICE));
      const serviceOf = (i: number): number => i % services;
      await fillKeys([kv], {
        count: instances,
        key: (i) => Buffer.from(`/lodestone/services/svc-${serviceOf(i)}/i-${i}`),
        value: (i) => Buffer.from(JSON.stringify({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 8000 + (i % 1000), weights: { passing: 1 + (i % 3), warning: 1 } })),
        label: 'registering instances',
        quiet: ctx.quiet,
      });
      const questions: DnsQuestion[] = Array.from({ length: QUESTIONS }, (_, n) => ({
        name: `svc-${randomInt(services)}.service.lodestone`,
        type: n % 2 === 0 ? 'A' : 'SRV',
      }));
      load = await DnsLoad.open(LOOPBACK, dnsPort!, questions);
      // Until the member's view has every service: the last one answers.
      await waitForService(load, ctx);
      const label = `${system.name}: DNS A and SRV queries over UDP, ${instances.toLocaleString('en-US')} instances in ${services.toLocaleString('en-US')} services, ${o.clients} in flight`;
      const pacedLabel = `${system.name}: the same queries offered at ${DNS_TARGET_RATE.toLocaleString('en-US')}/s`;
      const running = load;
      return {
        // At saturation (what one member takes at most), then at the issue's target rate, where the
        // latency is the answer's own rather than the queue a closed loop keeps full.
        round: async (c) => [
          loadRow('queries', label, await runClosedLoop(loopSpec(label, c), c, running.issue)),
          loadRow('queries-paced', pacedLabel, await runClosedLoop({ ...loopSpec(pacedLabel, c), perSecond: DNS_TARGET_RATE }, c, running.issue)),
        ],
        async close() {
          running.close();
          kv.close();
          await member.destroy();
        },
      };
    } catch (e) {
      load?.close();
      kv.close();
      await member.destroy();
      throw e;
    }
  },
};

/** Asks every question once (a few in flight) until none fails: the view has caught up. */
async function waitForService(load: DnsLoad, ctx: RunContext): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await runClosedLoop({ label: 'waiting for the registry', clients: Math.min(ctx.options.clients, 16), durationS: 0, total: QUESTIONS }, { ...ctx, quiet: true }, load.issue);
    if (r.errors === 0) return;
    if (Date.now() > deadline) throw new Error(`the member's DNS does not answer every service: ${r.firstError ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
