// HTTP and TCP checks run by a member against a real instance process that is killed and started
// again: the state follows it only after failures_before_critical / success_before_passing results
// in a row (counted as the member runs them), steady checks write nothing, and a persistent
// instance critical for longer than deregister_critical_after is removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../../index.js';
import type { HealthStatus } from '../../../registry/layout.js';
import { validateInstance } from '../../../registry/records.js';
import type { ProbeResult } from '../../../registry/checks/damping.js';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';
import { InstanceProcess } from './instance-process.js';

const INTERVAL_MS = 250;

describe('HTTP and TCP checks against a real instance', () => {
  let node: LodestoneNode;
  let instance: InstanceProcess;
  /** Every result the member's runner produced, by check id, in order. */
  const results = new Map<string, ProbeResult[]>();

  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.ready();
    node.member.checks.onResult((checkId, result) => {
      const list = results.get(checkId) ?? [];
      list.push(result);
      results.set(checkId, list);
    });
    instance = await InstanceProcess.start();
  });
  afterAll(async () => {
    await instance?.kill();
    await node?.close();
  });

  const view = () => node.member.registry.view;
  const statusOf = (service: string, id: string, checkId: string): HealthStatus | undefined => view().get(service, id)?.checks.find((c) => c.id === checkId)?.status;
  const resultsOf = (checkId: string): ProbeResult[] => results.get(checkId) ?? [];
  /** Polls every 10 ms until the check's recorded state is `status`; the ms it took. */
  const until = async (service: string, id: string, checkId: string, status: HealthStatus, timeoutMs = 15_000): Promise<number> => {
    const started = performance.now();
    while (statusOf(service, id, checkId) !== status) {
      if (performance.now() - started > timeoutMs) throw new Error(`${checkId} did not turn ${status} within ${timeoutMs} ms (it is ${statusOf(service, id, checkId)}; last results ${JSON.stringify(resultsOf(checkId).slice(-3))})`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - started;
  };

  it('turns critical only after failures_before_critical failures, passing only after success_before_passing successes', async () => {
    const check = { id: 'web-1-http', kind: 'http', http: instance.healthUrl, intervalMs: INTERVAL_MS, timeoutMs: 1000, failuresBeforeCritical: 3, successBeforePassing: 2 };
    await node.member.registry.writer.register('web', 'web-1', validateInstance({ address: LOOPBACK, port: instance.port, checks: [check] }));
    await until('web', 'web-1', check.id, 'passing');
    // Registered critical (the default initial state): two good answers before it passed.
    expect(await instance.count()).toBeGreaterThanOrEqual(2);
    expect(view().get('web', 'web-1')!.checks[0]!.health?.output).toBe(`HTTP GET ${instance.healthUrl}: 200 OK`);

    const downMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      await instance.kill();
      const before = resultsOf(check.id).length;
      downMs.push(await until('web', 'web-1', check.id, 'critical'));
      const failures = resultsOf(check.id).slice(before);
      expect(failures.length).toBeGreaterThanOrEqual(3);
      expect(failures.every((r) => r.status === 'critical')).toBe(true);
      expect(view().get('web', 'web-1')!.checks[0]!.health?.output).toBe(`HTTP GET ${instance.healthUrl}: ECONNREFUSED`);

      await instance.start();
      await until('web', 'web-1', check.id, 'passing');
      // The restarted instance counts from zero: it answered at least success_before_passing times.
      expect(await instance.count()).toBeGreaterThanOrEqual(2);
    }
    downMs.sort((a, b) => a - b);
    const p50 = downMs[Math.floor(downMs.length / 2)]!;
    console.log(`HTTP endpoint down → critical: p50 ${p50.toFixed(0)} ms, all ${downMs.map((d) => d.toFixed(0)).join(', ')} ms (interval ${INTERVAL_MS} ms × failures_before_critical 3 = ${3 * INTERVAL_MS} ms)`);
    // At least the damping's three failures apart, at most those plus one interval and the write.
    expect(p50).toBeGreaterThanOrEqual(2 * INTERVAL_MS);
    expect(p50).toBeLessThan(4 * INTERVAL_MS + 1000);
  });

  it('takes 429 as warning and any other answer as critical, after the same damping', async () => {
    await instance.answer(429);
    await until('web', 'web-1', 'web-1-http', 'warning');
    expect(view().get('web', 'web-1')!.checks[0]!.health?.output).toBe(`HTTP GET ${instance.healthUrl}: 429 Too Many Requests`);
    await instance.answer(503);
    await until('web', 'web-1', 'web-1-http', 'critical');
    expect(view().get('web', 'web-1')!.checks[0]!.health?.output).toBe(`HTTP GET ${instance.healthUrl}: 503 Service Unavailable`);
    await instance.answer(200);
    await until('web', 'web-1', 'web-1-http', 'passing');
  });

  it('checks a TCP port: passing while it accepts connections, critical once nothing listens', async () => {
    const check = { id: 'web-1-tcp', kind: 'tcp', tcp: instance.address, intervalMs: INTERVAL_MS, timeoutMs: 1000 };
    await node.member.registry.writer.register('tcp', 'web-1', validateInstance({ address: LOOPBACK, port: instance.port, checks: [check] }));
    await until('tcp', 'web-1', check.id, 'passing');
    expect(view().get('tcp', 'web-1')!.checks[0]!.health?.output).toBe(`TCP connect ${instance.address}: Success`);
    await instance.kill();
    await until('tcp', 'web-1', check.id, 'critical');
    expect(view().get('tcp', 'web-1')!.checks[0]!.health?.output).toBe(`TCP connect ${instance.address}: ECONNREFUSED`);
    await instance.start();
    await until('tcp', 'web-1', check.id, 'passing');
    await node.member.registry.writer.deregister('tcp', 'web-1');
  });

  it('10 steady checks cost no writes over several intervals', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `steady-${i}`);
    for (const id of ids) {
      await node.member.registry.writer.register('steady', id, validateInstance({ address: LOOPBACK, port: instance.port, checks: [{ id: `${id}-http`, kind: 'http', http: instance.healthUrl, intervalMs: INTERVAL_MS, timeoutMs: 1000 }] }));
    }
    for (const id of ids) await until('steady', id, `${id}-http`, 'passing');
    const revision = node.member.currentRevision();
    const before = new Map(ids.map((id) => [id, resultsOf(`${id}-http`).length]));
    const last = new Map(ids.map((id) => [id, resultsOf(`${id}-http`).at(-1)!]));
    await new Promise((r) => setTimeout(r, 8 * INTERVAL_MS));
    // Each ran about 8 times. A result is written only when it differs from the one before (state or
    // output): on a quiet machine every result passes and the store does not move; a probe that timed
    // out on a starved machine costs exactly its own writes, no more.
    let ran = 0;
    let changes = 0;
    for (const id of ids) {
      const window = resultsOf(`${id}-http`).slice(before.get(id));
      ran += window.length;
      let previous = last.get(id)!;
      for (const r of window) {
        if (r.status !== previous.status || r.output !== previous.output) changes++;
        previous = r;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(10 * 5);
    expect(node.member.currentRevision() - revision).toBe(changes);
    for (const id of ids) await node.member.registry.writer.deregister('steady', id);
  });

  it('deregisters a persistent instance critical for longer than deregister_critical_after, and leaves an ephemeral one', async () => {
    const [closed] = await freePorts(1);
    const check = (id: string) => ({ id, kind: 'tcp', tcp: `${LOOPBACK}:${closed!}`, intervalMs: INTERVAL_MS, timeoutMs: 500, deregisterCriticalAfterMs: 1500 });
    const lease = await node.grant(60);
    await node.member.registry.writer.register('gone', 'persistent', validateInstance({ address: LOOPBACK, port: closed, checks: [check('gone-p')] }));
    await node.member.registry.writer.register('gone', 'ephemeral', validateInstance({ address: LOOPBACK, port: closed, checks: [check('gone-e')] }), { lease: lease.id });
    const registered = performance.now();
    while (view().get('gone', 'persistent')) {
      if (performance.now() - registered > 15_000) throw new Error('the persistent instance was not deregistered');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Critical from its registration on (the initial state): removed after 1.5 s and within a sweep.
    expect(performance.now() - registered).toBeGreaterThanOrEqual(1400);
    expect(await node.get('/lodestone/services/gone/persistent')).toBeUndefined();
    expect(await node.get('/lodestone/health/gone/persistent/gone-p')).toBeUndefined();
    expect(statusOf('gone', 'ephemeral', 'gone-e')).toBe('critical');
    await lease.revoke();
  });
});
