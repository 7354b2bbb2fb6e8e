// gRPC checks: grpc.health.v1.Health/Check asked of a small grpc-js health server, for the whole
// server and for one service after a "/"; SERVING is passing, anything else critical, and so is a
// server that is gone.
import { Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../../index.js';
import type { HealthStatus } from '../../../registry/layout.js';
import { validateInstance } from '../../../registry/records.js';
import { LOOPBACK } from '../../support/free-ports.js';

/** The services this health server knows, and how each is (the whole server is ""). */
const SERVING: Record<string, number> = { '': 1, orders: 1, billing: 2 };

/** HealthCheckRequest's one field, the service name, read the simple way (short names). */
const readService = (bytes: Buffer): { service: string } => ({ service: bytes.length > 2 && bytes[0] === 0x0a ? bytes.subarray(2, 2 + bytes[1]!).toString('utf8') : '' });

async function startHealthServer(): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: { service: string }) => Buffer.from(v.service),
        requestDeserialize: readService,
        responseSerialize: (status: number) => Buffer.from([0x08, status]),
        responseDeserialize: (b: Buffer) => b[1] ?? 0,
      },
    },
    {
      Check: (call: ServerUnaryCall<{ service: string }, number>, callback: sendUnaryData<number>) => {
        const status = SERVING[call.request.service];
        if (status === undefined) callback({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
        else callback(null, status);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${LOOPBACK}:0`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

describe('gRPC health checks', () => {
  let node: LodestoneNode;
  let health: { server: Server; port: number };

  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.ready();
    health = await startHealthServer();
  });
  afterAll(async () => {
    health?.server.forceShutdown();
    await node?.close();
  });

  const stateOf = (id: string, checkId: string) => node.member.registry.view.get('grpc', id)?.checks.find((c) => c.id === checkId)?.health;
  const until = async (id: string, checkId: string, status: HealthStatus): Promise<string> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const h = stateOf(id, checkId);
      if (h?.status === status) return h.output;
      if (Date.now() > deadline) throw new Error(`${checkId} did not turn ${status} (it is ${JSON.stringify(h)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('passes for SERVING, fails for NOT_SERVING and for an unknown service, and fails once the server is gone', async () => {
    const target = `${LOOPBACK}:${health.port}`;
    const check = (id: string, suffix: string, initialStatus: HealthStatus) => ({ id, kind: 'grpc', grpc: target + suffix, intervalMs: 250, timeoutMs: 1000, initialStatus });
    const { writer } = node.member.registry;
    await writer.register('grpc', 'whole', validateInstance({ address: LOOPBACK, port: health.port, checks: [check('g-whole', '', 'critical')] }));
    await writer.register('grpc', 'orders', validateInstance({ address: LOOPBACK, port: health.port, checks: [check('g-orders', '/orders', 'critical')] }));
    await writer.register('grpc', 'billing', validateInstance({ address: LOOPBACK, port: health.port, checks: [check('g-billing', '/billing', 'passing')] }));
    await writer.register('grpc', 'nobody', validateInstance({ address: LOOPBACK, port: health.port, checks: [check('g-nobody', '/nobody', 'passing')] }));

    expect(await until('whole', 'g-whole', 'passing')).toBe(`gRPC ${target}: SERVING`);
    expect(await until('orders', 'g-orders', 'passing')).toBe(`gRPC ${target}/orders: SERVING`);
    expect(await until('billing', 'g-billing', 'critical')).toBe(`gRPC ${target}/billing: NOT_SERVING`);
    expect(await until('nobody', 'g-nobody', 'critical')).toBe(`gRPC ${target}/nobody: unknown service`);

    health.server.forceShutdown();
    expect(await until('whole', 'g-whole', 'critical')).toMatch(new RegExp(`^gRPC ${target}: `));
    expect(await until('orders', 'g-orders', 'critical')).toMatch(new RegExp(`^gRPC ${target}/orders: `));
  });
});
