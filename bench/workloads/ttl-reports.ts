// ttl-reports: what the members can take of the registry's busiest traffic at scale, TTL reports
// (PUT /v1/agent/check/pass/<check id> through Consul's API), apart from how a fleet paces them.
// --instances instances of --services services, each with one TTL check (passing, its TTL
// --max-interval: long enough that no clock runs out during a round), are written straight into
// the registry's keys; every check is
// reported on once (starting its clock), then each round sends reports for checks in turn,
// --clients in flight over kept-alive connections to the members --target names. A round gives
// reports/s with their latency, and the writes (revisions) per second meanwhile: steady reports
// must write nothing.
import { Agent, request } from 'node:http';
import { fillKeys } from '../tool/fill.js';
import { runClosedLoop, loopSpec, type Issue } from '../tool/closed-loop.js';
import { RawKv } from '../tool/raw-kv.js';
import type { System } from '../tool/system.js';
import { loadRow, type Row, type RunContext, type Workload } from '../tool/workload.js';

const checkId = (i: number): string => `ttl:i-${i}`;

function instanceRecord(i: number, ttlMs: number): string {
  const check = { id: checkId(i), name: 'TTL', kind: 'ttl', ttlMs, intervalMs: ttlMs, timeoutMs: 1000, initialStatus: 'passing' };
  return JSON.stringify({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 8080, tags: [], meta: {}, weights: { passing: 1, warning: 1 }, checks: [check] });
}

function put(agent: Agent, url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Reports on checks in turn, from `first`, spread over `endpoints`. */
function reporter(agent: Agent, endpoints: readonly string[], count: number, first: () => number): Issue {
  return (_worker, n, done) => {
    const i = (first() + n) % count;
    put(agent, `http://${endpoints[n % endpoints.length]!}/v1/agent/check/pass/${encodeURIComponent(checkId(i))}`).then(
      (res) => done(res.status === 200 ? null : new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`)),
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  };
}

async function revision(system: System): Promise<number> {
  for (const e of system.endpoints) {
    const s = await system.status(e).catch(() => undefined);
    if (s?.header) return Number(s.header.revision);
  }
  return NaN;
}

export const ttlReportsWorkload: Workload = {
  name: 'ttl-reports',
  needsOwnCluster: true,
  async prepare(system, ctx) {
    if (system.name === 'etcd') throw new Error('etcd has no health checks: run ttl-reports without --against etcd');
    const o = ctx.options;
    const count = o.instances;
    const services = Math.max(1, Math.min(o.services, count));
    const kv = system.endpoints.map((e) => new RawKv(e));
    const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, o.clients) });
    try {
      await fillKeys(kv, {
        count,
        key: (i) => Buffer.from(`/lodestone/services/svc-${i % services}/i-${i}`),
        value: (i) => Buffer.from(instanceRecord(i, Math.round(o.maxIntervalS * 1000))),
        label: 'registering instances with TTL checks',
        quiet: ctx.quiet,
      });
      // Every check once, through every member in turn: each clock starts (a lease and a key), and
      // a report refused because a member's view is behind is sent again.
      ctx.note(`ttl-reports: starting the clocks of ${count.toLocaleString('en-US')} TTL checks`);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const r = await runClosedLoop({ label: 'starting TTL clocks', clients: Math.min(64, o.clients), durationS: 0, total: count }, { ...ctx, quiet: true }, reporter(agent, system.endpoints, count, () => 0));
        if (r.errors === 0) break;
        if (Date.now() > deadline) throw new Error(`reports keep failing: ${r.firstError ?? ''}`);
      }
      let next = 0;
      return {
        round: async (c: RunContext): Promise<Row[]> => {
          const endpoints = await system.placed(c.options.target);
          const label = `TTL reports (check pass) through Consul's API, ${count.toLocaleString('en-US')} TTL checks, ${c.options.clients} in flight to the ${c.options.target}`;
          const start = next;
          const rev0 = await revision(system);
          const t0 = performance.now();
          const result = await runClosedLoop(loopSpec(label, c), c, reporter(agent, endpoints, count, () => start));
          const seconds = (performance.now() - t0) / 1000;
          const rev1 = await revision(system);
          next = (start + result.count) % count;
          return [loadRow('reports', label, result), { key: 'writes', label: 'writes (revisions) per second meanwhile', headline: 'value', value: (rev1 - rev0) / seconds, unit: '/s' }];
        },
        async close() {
          agent.destroy();
          for (const k of kv) k.close();
        },
      };
    } catch (e) {
      agent.destroy();
      for (const k of kv) k.close();
      throw e;
    }
  },
};
