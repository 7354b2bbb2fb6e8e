// Closing an https listener while clients hold their connections: close() stops accepting at once
// and returns without waiting for those clients to hang up (they are the gRPC server's to end, and
// the server is shut down after the listener). Waiting for them kept a member that clients were
// connected to from stopping — neither when the cluster removed it nor on SIGTERM.
import { connect } from 'node:net';
import { Metadata, Server, status, type ServiceError } from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient } from '../../rpc/etcd-api.js';
import { GrpcConnections } from '../../rpc/connection-sink.js';
import { SecureListener } from '../../rpc/tls-listener.js';
import { DEFAULT_TLS_POLICY } from '../../rpc/tls-policy.js';
import { ThrowawayMtls } from '../support/throwaway-mtls.js';

describe('an https listener', () => {
  let mtls: ThrowawayMtls;

  beforeAll(async () => {
    mtls = await ThrowawayMtls.create();
  });

  afterAll(async () => {
    await mtls?.destroy();
  });

  it('closes at once while a client keeps its connection, then the gRPC server ends that connection', async () => {
    const server = new Server();
    const listener = await SecureListener.listen({
      address: '127.0.0.1:0',
      tls: { certFile: mtls.member.cert, keyFile: mtls.member.key, trustedCaFile: mtls.caFile, clientCertAuth: true, policy: DEFAULT_TLS_POLICY },
      sink: new GrpcConnections(server),
      logger: pino({ level: 'silent' }),
    });
    const client = createEtcdClient('Maintenance', `127.0.0.1:${listener.port}`, { credentials: mtls.clientCredentials() });
    try {
      // No service is added: the call is answered UNIMPLEMENTED, over a connection that passed TLS.
      const answer = await new Promise<ServiceError | null>((resolve) => client.Status({}, new Metadata(), { deadline: Date.now() + 5000 }, (e) => resolve(e)));
      expect(answer?.code).toBe(status.UNIMPLEMENTED);

      const started = performance.now();
      await listener.close();
      expect(performance.now() - started).toBeLessThan(1000);
      // Nothing listens on the port any more.
      const refused = await new Promise<string>((resolve) => {
        const s = connect(listener.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(refused).toBe('ECONNREFUSED');
      // The gRPC server's shutdown ends the client's connection, so it completes.
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    } finally {
      client.close();
      server.forceShutdown();
    }
  }, 10_000);
});
