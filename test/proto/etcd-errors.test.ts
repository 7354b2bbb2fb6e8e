// etcd's error catalogue: each error's gRPC code and message as etcd 3.5 sends them, recognised
// back from the message alone (as etcd's clients do), and carried over a real gRPC connection.

import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEtcdService, createEtcdClient, type RangeResponse, type ServiceClient } from '../../rpc/etcd-api.js';
import {
  ETCD_ERRORS,
  EtcdError,
  etcdErrorFromStatus,
  isEtcdError,
  toServiceError,
  type EtcdErrorCode,
} from '../../rpc/etcd-errors.js';
import { startGrpcServer, type RunningServer } from './grpc-test-server.js';

const allCodes = Object.keys(ETCD_ERRORS) as EtcdErrorCode[];

describe('the error catalogue', () => {
  // Codes and messages from etcd 3.5's api/v3rpc/rpctypes, for the errors the KV API meets most.
  it.each<[EtcdErrorCode, GrpcStatus, string]>([
    ['ETCD_EMPTY_KEY', GrpcStatus.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
    ['ETCD_REQUEST_TOO_LARGE', GrpcStatus.INVALID_ARGUMENT, 'etcdserver: request is too large'],
    ['ETCD_TOO_MANY_OPS', GrpcStatus.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
    ['ETCD_DUPLICATE_KEY', GrpcStatus.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
    ['ETCD_NO_LEADER', GrpcStatus.UNAVAILABLE, 'etcdserver: no leader'],
    ['ETCD_TIMEOUT', GrpcStatus.UNAVAILABLE, 'etcdserver: request timed out'],
    ['ETCD_LEADER_CHANGED', GrpcStatus.UNAVAILABLE, 'etcdserver: leader changed'],
    ['ETCD_NOT_CAPABLE', GrpcStatus.UNAVAILABLE, 'etcdserver: not capable'],
    ['ETCD_STOPPED', GrpcStatus.UNAVAILABLE, 'etcdserver: server stopped'],
    ['ETCD_COMPACTED', GrpcStatus.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
    ['ETCD_FUTURE_REV', GrpcStatus.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
    ['ETCD_NO_SPACE', GrpcStatus.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'],
    ['ETCD_LEASE_NOT_FOUND', GrpcStatus.NOT_FOUND, 'etcdserver: requested lease not found'],
    ['ETCD_LEASE_TTL_TOO_LARGE', GrpcStatus.OUT_OF_RANGE, 'etcdserver: too large lease TTL'],
    ['ETCD_MEMBER_NOT_FOUND', GrpcStatus.NOT_FOUND, 'etcdserver: member not found'],
    ['ETCD_PEER_URL_EXIST', GrpcStatus.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'],
    ['ETCD_PERMISSION_DENIED', GrpcStatus.PERMISSION_DENIED, 'etcdserver: permission denied'],
    ['ETCD_INVALID_AUTH_TOKEN', GrpcStatus.UNAUTHENTICATED, 'etcdserver: invalid auth token'],
    ['ETCD_CORRUPT', GrpcStatus.DATA_LOSS, 'etcdserver: corrupt cluster'],
  ])('%s is %s with etcd’s message', (code, grpcCode, message) => {
    const error = new EtcdError(code);
    expect(error.grpcCode).toBe(grpcCode);
    expect(error.message).toBe(message);
    expect(error.code).toBe(code);
  });

  it('gives every error its own message, in etcd’s form', () => {
    const messages = allCodes.map((code) => ETCD_ERRORS[code].message);
    expect(new Set(messages).size).toBe(messages.length);
    const election = new Set<EtcdErrorCode>([
      'ETCD_ELECTION_NOT_LEADER',
      'ETCD_ELECTION_NO_LEADER',
      'ETCD_ELECTION_MISSING_LEADER_KEY',
    ]);
    for (const code of allCodes.filter((code) => !election.has(code))) {
      expect(ETCD_ERRORS[code].message, code).toMatch(/^etcdserver: /);
    }
  });

  it('recognises every error from its message alone', () => {
    for (const code of allCodes) {
      const recognised = etcdErrorFromStatus({ details: ETCD_ERRORS[code].message });
      expect(recognised?.code).toBe(code);
    }
    expect(etcdErrorFromStatus({ details: 'etcdserver: something else' })).toBeUndefined();
    expect(etcdErrorFromStatus({})).toBeUndefined();
  });

  it('narrows with isEtcdError', () => {
    const error: unknown = new EtcdError('ETCD_COMPACTED');
    expect(isEtcdError(error)).toBe(true);
    expect(isEtcdError(error, 'ETCD_COMPACTED')).toBe(true);
    expect(isEtcdError(error, 'ETCD_FUTURE_REV')).toBe(false);
    expect(isEtcdError(new Error('etcdserver: mvcc: required revision has been compacted'))).toBe(false);
  });
});

describe('toServiceError', () => {
  it('sends an EtcdError with its gRPC code and etcd’s message', () => {
    expect(toServiceError(new EtcdError('ETCD_NO_LEADER'))).toMatchObject({
      code: GrpcStatus.UNAVAILABLE,
      details: 'etcdserver: no leader',
    });
  });

  it('passes on a gRPC status received from elsewhere', () => {
    const forwarded = Object.assign(new Error('9 FAILED_PRECONDITION: etcdserver: not leader'), {
      code: GrpcStatus.FAILED_PRECONDITION,
      details: 'etcdserver: not leader',
    });
    expect(toServiceError(forwarded)).toMatchObject({
      code: GrpcStatus.FAILED_PRECONDITION,
      details: 'etcdserver: not leader',
    });
  });

  it('sends anything else as UNKNOWN with its message, as etcd’s server does', () => {
    expect(toServiceError(new Error('disk on fire'))).toMatchObject({
      code: GrpcStatus.UNKNOWN,
      details: 'disk on fire',
    });
    expect(toServiceError('plain')).toMatchObject({ code: GrpcStatus.UNKNOWN, details: 'plain' });
    expect(toServiceError({ code: 'ENOENT', details: 'x' })).toMatchObject({ code: GrpcStatus.UNKNOWN });
  });
});

describe('errors over a gRPC connection', () => {
  let server: RunningServer;
  let client: ServiceClient<'KV'>;

  beforeAll(async () => {
    // Range fails with the error whose code is the requested key.
    server = await startGrpcServer((grpcServer) =>
      addEtcdService(grpcServer, 'KV', {
        Range: (call, callback) =>
          callback(toServiceError(new EtcdError(call.request.key.toString() as EtcdErrorCode))),
        Put: (_call, callback) => callback(toServiceError(new EtcdError('ETCD_NOT_CAPABLE'))),
        DeleteRange: (_call, callback) => callback(toServiceError(new EtcdError('ETCD_NOT_CAPABLE'))),
        Txn: (_call, callback) => callback(toServiceError(new EtcdError('ETCD_NOT_CAPABLE'))),
        Compact: (_call, callback) => callback(toServiceError(new EtcdError('ETCD_NOT_CAPABLE'))),
      }),
    );
    client = createEtcdClient('KV', server.address);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  const range = (key: string) =>
    new Promise<ServiceError>((resolve, reject) => {
      client.Range({ key: Buffer.from(key) }, (error: ServiceError | null, response?: RangeResponse) =>
        error ? resolve(error) : reject(new Error(`expected an error, got ${JSON.stringify(response)}`)),
      );
    });

  it('arrive with their gRPC code and etcd’s message, every one of them', async () => {
    for (const code of allCodes) {
      const error = await range(code);
      expect({ code, grpcCode: error.code, details: error.details }).toEqual({
        code,
        grpcCode: ETCD_ERRORS[code].grpcCode,
        details: ETCD_ERRORS[code].message,
      });
      expect(etcdErrorFromStatus(error)?.code).toBe(code);
    }
  });
});
