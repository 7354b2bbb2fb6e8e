// The instances' side of the registry-scale workload, in a process of its own so its CPU does not
// count as the bench's: one HTTP server answers every instance's health endpoint by path
// (/health/<id>: 200, or 503 once the instance is turned off), and the TTL checks are reported on
// through the members' Consul API (PUT /v1/agent/check/pass/<check id>), each at half its TTL, from
// a random phase so the reports spread evenly. A report that fails goes to the next member, as a
// Consul client with several agents would. Driven over IPC (instance-fleet.ts).
import { createServer, Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetReply, FleetRequest, FleetStats, TtlReportSpec } from './instance-fleet.js';

const down = new Set<string>();
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const stats = { reports: 0, failedReports: 0, lateReports: 0, probes: 0 };

interface Reporting {
  readonly spec: TtlReportSpec;
  /** Index in spec.endpoints of the member reported to now. */
  endpoint: number;
  lastOk: number;
  timer: NodeJS.Timeout | undefined;
}

const reporting = new Map<string, Reporting>();

const server = createServer((req, res) => {
  stats.probes++;
  const id = req.url?.startsWith('/health/') ? req.url.slice('/health/'.length) : '';
  const up = id !== '' && !down.has(id);
  res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' });
  res.end(up ? 'ok' : 'down');
});
server.keepAliveTimeout = 60_000;

function put(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function report(r: Reporting): Promise<void> {
  const { spec } = r;
  if (!down.has(spec.instanceId)) {
    stats.reports++;
    const started = Date.now();
    if (started - r.lastOk > spec.ttlMs) stats.lateReports++;
    let ok = false;
    for (let tries = 0; tries < spec.endpoints.length && !ok; tries++) {
      try {
        ok = (await put(`${spec.endpoints[r.endpoint]!}/v1/agent/check/pass/${encodeURIComponent(spec.checkId)}`)) === 200;
      } catch {
        ok = false;
      }
      if (!ok) r.endpoint = (r.endpoint + 1) % spec.endpoints.length;
    }
    if (ok) r.lastOk = Date.now();
    else stats.failedReports++;
  }
  if (reporting.get(spec.checkId) === r) r.timer = setTimeout(() => void report(r), spec.ttlMs / 2);
}

function startReporting(specs: readonly TtlReportSpec[]): void {
  for (const spec of specs) {
    if (reporting.has(spec.checkId)) continue;
    const r: Reporting = { spec, endpoint: 0, lastOk: Date.now(), timer: undefined };
    reporting.set(spec.checkId, r);
    r.timer = setTimeout(() => void report(r), Math.random() * (spec.ttlMs / 2));
  }
}

function send(reply: FleetReply): void {
  process.send?.(reply);
}

process.on('message', (m: FleetRequest) => {
  switch (m.type) {
    case 'down':
      for (const id of m.ids) down.add(id);
      break;
    case 'up':
      for (const id of m.ids) down.delete(id);
      break;
    case 'report':
      startReporting(m.checks);
      break;
    case 'stats': {
      const reply: FleetStats = { ...stats, reporting: reporting.size };
      send({ type: 'stats', stats: reply });
      break;
    }
  }
});

// The parent going away (even killed) ends the fleet.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as AddressInfo).port }));
