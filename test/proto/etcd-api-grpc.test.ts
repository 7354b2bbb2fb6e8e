// rpc/etcd-api.ts over a real connection: typed handlers registered with addEtcdService and
// typed clients from createEtcdClient, for each kind of RPC the etcd API has.

import type { ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ETCD_METHOD_KINDS,
  ETCD_SERVICE_FULL_NAMES,
  addEtcdService,
  createEtcdClient,
  etcdServiceDefinition,
  type EtcdServiceName,
  type ServiceClient,
  type SnapshotResponse,
  type WatchRequest,
  type WatchResponse,
} from '../../rpc/etcd-api.js';
import { EtcdError, toServiceError } from '../../rpc/etcd-errors.js';
import { startGrpcServer, type RunningServer } from './grpc-test-server.js';

describe('the loaded service definitions', () => {
  it.each(Object.keys(ETCD_SERVICE_FULL_NAMES) as EtcdServiceName[])('%s has etcd’s method paths', (name) => {
    const definition = etcdServiceDefinition(name);
    const methods: Record<string, { path: string }> = definition;
    for (const method of Object.keys(ETCD_METHOD_KINDS[name])) {
      expect(methods[method]?.path).toBe(`/${ETCD_SERVICE_FULL_NAMES[name]}/${method}`);
    }
  });
});

describe('typed handlers and clients over a connection', () => {
  let server: RunningServer;
  let watch: ServiceClient<'Watch'>;
  let maintenance: ServiceClient<'Maintenance'>;
  const snapshotChunks = [Buffer.from('first chunk'), Buffer.from('second')];

  beforeAll(async () => {
    const notServed = new EtcdError('ETCD_NOT_CAPABLE');
    server = await startGrpcServer((grpcServer) => {
      // A watch stream that acknowledges each create with a watch id and cancels on request.
      addEtcdService(grpcServer, 'Watch', {
        Watch: (call) => {
          let nextWatchId = 1;
          call.on('data', (request: WatchRequest) => {
            switch (request.request_union) {
              case 'create_request':
                call.write({
                  watch_id: String(nextWatchId++),
                  created: true,
                  header: { revision: request.create_request.start_revision },
                });
                break;
              case 'cancel_request':
                call.write({ watch_id: request.cancel_request.watch_id, canceled: true, cancel_reason: 'requested' });
                break;
              case 'progress_request':
              case undefined:
                break;
            }
          });
          call.on('end', () => call.end());
        },
      });
      addEtcdService(grpcServer, 'Maintenance', {
        Snapshot: (call) => {
          let remaining = snapshotChunks.reduce((sum, chunk) => sum + chunk.length, 0);
          for (const blob of snapshotChunks) {
            remaining -= blob.length;
            call.write({ blob, remaining_bytes: String(remaining) });
          }
          call.end();
        },
        Alarm: (_call, callback) => callback(toServiceError(notServed)),
        Status: (_call, callback) => callback(null, { version: '3.5.0', leader: '18446744073709551615' }),
        Defragment: (_call, callback) => callback(toServiceError(notServed)),
        Hash: (_call, callback) => callback(toServiceError(notServed)),
        HashKV: (_call, callback) => callback(toServiceError(notServed)),
        MoveLeader: (_call, callback) => callback(toServiceError(notServed)),
        Downgrade: (_call, callback) => callback(toServiceError(notServed)),
      });
    });
    watch = createEtcdClient('Watch', server.address);
    maintenance = createEtcdClient('Maintenance', server.address);
  });

  afterAll(async () => {
    watch?.close();
    maintenance?.close();
    await server?.close();
  });

  it('a unary call carries 64-bit values both ways', async () => {
    const status = await new Promise((resolve, reject) =>
      maintenance.Status({}, (error, response) => (error ? reject(error) : resolve(response))),
    );
    expect(status).toMatchObject({ version: '3.5.0', leader: '18446744073709551615', header: null });
  });

  it('a bidirectional stream creates and cancels watchers', async () => {
    const stream = watch.Watch();
    const responses: WatchResponse[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (response: WatchResponse) => responses.push(response));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.write({ create_request: { key: Buffer.from('a'), start_revision: '5' } });
    stream.write({ create_request: { key: Buffer.from('b') } });
    stream.write({ cancel_request: { watch_id: '1' } });
    stream.end();
    await ended;
    expect(responses.map(({ watch_id, created, canceled }) => ({ watch_id, created, canceled }))).toEqual([
      { watch_id: '1', created: true, canceled: false },
      { watch_id: '2', created: true, canceled: false },
      { watch_id: '1', created: false, canceled: true },
    ]);
    expect(responses[0]?.header?.revision).toBe('5');
  });

  it('a server stream delivers the snapshot in order', async () => {
    const stream: ClientReadableStream<SnapshotResponse> = maintenance.Snapshot({});
    const received: SnapshotResponse[] = [];
    for await (const response of stream) received.push(response as SnapshotResponse);
    expect(Buffer.concat(received.map((response) => response.blob))).toEqual(Buffer.concat(snapshotChunks));
    expect(received.map((response) => response.remaining_bytes)).toEqual(['6', '0']);
  });
});
