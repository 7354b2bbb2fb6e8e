// Registers the planned instances as a deployment at scale would: each through a member's Consul
// HTTP API (PUT /v1/agent/service/register, the agent its node talks to), the members taking turns,
// `inFlight` at a time, on the tool's closed loop. Each answer comes once the member's view shows
// the registration.
import { Agent, request } from 'node:http';
import { runClosedLoop, type LoopResult } from './closed-loop.js';
import { serviceDefinition, type PlannedInstance } from './scale-plan.js';
import type { RunContext } from './workload.js';

function putJson(agent: Agent, url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function registerInstances(
  instances: readonly PlannedInstance[],
  spec: {
    /** The members' client addresses, host:port. */
    readonly endpoints: readonly string[];
    readonly healthBaseUrl: string;
    readonly inFlight: number;
    /** Called as each instance is registered. */
    readonly registered: (instance: PlannedInstance) => void;
    /** A line for the reader every tenth of the way (the rate so far slows as the registry grows). */
    readonly note: (line: string) => void;
  },
  ctx: RunContext,
): Promise<LoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.inFlight });
  const tenth = Math.max(1, Math.ceil(instances.length / 10));
  let finished = 0;
  let lastAt = performance.now();
  let lastDone = 0;
  const progress = (): void => {
    if (++finished % tenth !== 0) return;
    const now = performance.now();
    spec.note(`registered ${finished} of ${instances.length}: ${Math.round((finished - lastDone) / ((now - lastAt) / 1000))}/s over the last ${finished - lastDone}`);
    lastAt = now;
    lastDone = finished;
  };
  const loop = { label: 'registering instances (Consul API)', clients: Math.min(spec.inFlight, instances.length), durationS: instances.length / 200, total: instances.length };
  try {
    return await runClosedLoop(loop, ctx, (_worker, n, done) => {
      const instance = instances[n]!;
      const url = `http://${spec.endpoints[n % spec.endpoints.length]!}/v1/agent/service/register`;
      putJson(agent, url, JSON.stringify(serviceDefinition(instance, spec.healthBaseUrl))).then(
        (res) => {
          progress();
          if (res.status !== 200) return done(new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`));
          spec.registered(instance);
          done(null);
        },
        (e: unknown) => {
          progress();
          done(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  } finally {
    agent.destroy();
  }
}
