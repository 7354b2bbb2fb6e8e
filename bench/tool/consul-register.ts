// Registers the planned instances as a deployment at scale would: each through a member's Consul
// HTTP API (PUT /v1/agent/service/register, the agent its node talks to), the members taking turns,
// `inFlight` at a time. Each answer comes once the member's view shows the registration.
import { Agent, request } from 'node:http';
import { progressBar } from './progress.js';
import { serviceDefinition, type PlannedInstance } from './scale-plan.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

export interface RegistrationResult {
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latency: LatencySummary;
  readonly clientCpu: number;
}

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
    readonly quiet: boolean;
    /** Called as each instance is registered. */
    readonly registered: (instance: PlannedInstance) => void;
    /** A line for the reader every tenth of the way (the rate so far slows as the registry grows). */
    readonly note: (line: string) => void;
  },
): Promise<RegistrationResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.inFlight });
  const recorder = new LatencyRecorder();
  const bar = progressBar('registering instances (Consul API)', instances.length, instances.length / 200, spec.quiet);
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const tenth = Math.max(1, Math.ceil(instances.length / 10));
  let lastAt = started;
  let lastDone = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < instances.length; i = next++) {
      const instance = instances[i]!;
      const url = `http://${spec.endpoints[i % spec.endpoints.length]!}/v1/agent/service/register`;
      const t0 = performance.now();
      try {
        const res = await putJson(agent, url, JSON.stringify(serviceDefinition(instance, spec.healthBaseUrl)));
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
        recorder.record(performance.now() - t0);
        spec.registered(instance);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      bar.update(i + 1);
      const done = recorder.count + errors;
      if (done % tenth === 0) {
        const now = performance.now();
        spec.note(`registered ${done} of ${instances.length}: ${Math.round((done - lastDone) / ((now - lastAt) / 1000))}/s over the last ${lastDone === 0 ? done : done - lastDone}`);
        lastAt = now;
        lastDone = done;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(spec.inFlight, instances.length) }, worker));
  } finally {
    bar.stop();
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    count: recorder.count,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    seconds,
    perSecond: recorder.count / seconds,
    latency: recorder.summary(),
    clientCpu: (used.user + used.system) / 1e6 / seconds,
  };
}
