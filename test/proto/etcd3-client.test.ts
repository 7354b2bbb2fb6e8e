// The real etcd3 npm client against a grpc-js server that serves our definitions: if it can read
// and write through a tiny KV written here, the package, service and method names and the
// encoding are etcd's; and the errors it recognises by message come out as its own error classes.

import { Etcd3, EtcdLeaseInvalidError, EtcdPermissionDeniedError, EtcdRoleNotFoundError } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addEtcdService,
  type KeyValue,
  type Outgoing,
  type RangeRequest,
  type ResponseHeader,
} from '../../rpc/etcd-api.js';
import { EtcdError, toServiceError, type EtcdErrorCode } from '../../rpc/etcd-errors.js';
import { startGrpcServer, type RunningServer } from './grpc-test-server.js';

/** Keys under this prefix make Range fail with the error named by the rest of the key. */
const FAIL_PREFIX = 'fail/';

/** Just enough of a key-value store to answer Range and Put as etcd does for simple requests. */
class TinyKV {
  private revision = 1;
  private readonly pairs = new Map<string, KeyValue>();

  range(request: RangeRequest): KeyValue[] {
    const matches = [...this.pairs.values()].filter((pair) => inRange(pair.key, request.key, request.range_end));
    return matches.sort((a, b) => Buffer.compare(a.key, b.key));
  }

  put(key: Buffer, value: Buffer): void {
    this.revision += 1;
    const previous = this.pairs.get(key.toString('hex'));
    this.pairs.set(key.toString('hex'), {
      key,
      value,
      create_revision: previous?.create_revision ?? String(this.revision),
      mod_revision: String(this.revision),
      version: String(Number(previous?.version ?? '0') + 1),
      lease: '0',
    });
  }

  header(): Outgoing<ResponseHeader> {
    return { cluster_id: '1', member_id: '1', raft_term: '1', revision: String(this.revision) };
  }
}

/** etcd's range rule: no range_end is the key alone, "\0" is every key from `key` on. */
function inRange(candidate: Buffer, key: Buffer, rangeEnd: Buffer): boolean {
  if (rangeEnd.length === 0) return candidate.equals(key);
  const fromKey = Buffer.compare(candidate, key) >= 0;
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return fromKey;
  return fromKey && Buffer.compare(candidate, rangeEnd) < 0;
}

describe('the etcd3 npm client against our definitions', () => {
  let server: RunningServer;
  let etcd: Etcd3;

  beforeAll(async () => {
    const store = new TinyKV();
    const notServed = new EtcdError('ETCD_NOT_CAPABLE');
    server = await startGrpcServer((grpcServer) =>
      addEtcdService(grpcServer, 'KV', {
        Range: ({ request }, callback) => {
          const key = request.key.toString();
          if (key.startsWith(FAIL_PREFIX)) {
            callback(toServiceError(new EtcdError(key.slice(FAIL_PREFIX.length) as EtcdErrorCode)));
            return;
          }
          const kvs = store.range(request);
          callback(null, { header: store.header(), kvs, count: String(kvs.length) });
        },
        Put: ({ request }, callback) => {
          if (request.lease !== '0') {
            callback(toServiceError(new EtcdError('ETCD_LEASE_NOT_FOUND')));
            return;
          }
          store.put(request.key, request.value);
          callback(null, { header: store.header() });
        },
        DeleteRange: (_call, callback) => callback(toServiceError(notServed)),
        Txn: (_call, callback) => callback(toServiceError(notServed)),
        Compact: (_call, callback) => callback(toServiceError(notServed)),
      }),
    );
    etcd = new Etcd3({ hosts: `http://${server.address}` });
  });

  afterAll(async () => {
    etcd?.close();
    await server?.close();
  });

  it('writes and reads back a key', async () => {
    await etcd.put('config/colour').value('blue');
    expect(await etcd.get('config/colour').string()).toBe('blue');
  });

  it('reads a missing key as null', async () => {
    expect(await etcd.get('config/missing').string()).toBeNull();
  });

  it('reads a prefix, with its revisions', async () => {
    await etcd.put('services/api/1').value('10.0.0.1:80');
    await etcd.put('services/api/2').value('10.0.0.2:80');
    await etcd.put('services/web/1').value('10.0.0.3:80');
    expect(await etcd.getAll().prefix('services/api/').strings()).toEqual({
      'services/api/1': '10.0.0.1:80',
      'services/api/2': '10.0.0.2:80',
    });
    const response = await etcd.get('services/web/1').exec();
    expect(response.kvs[0]?.version).toBe('1');
    expect(Number(response.header.revision)).toBeGreaterThanOrEqual(Number(response.kvs[0]?.mod_revision));
  });

  it('turns etcd’s error messages into its own error classes', async () => {
    await expect(etcd.put('leased').value('v').lease('7')).rejects.toBeInstanceOf(EtcdLeaseInvalidError);
    await expect(etcd.get(`${FAIL_PREFIX}ETCD_PERMISSION_DENIED`).string()).rejects.toBeInstanceOf(
      EtcdPermissionDeniedError,
    );
    await expect(etcd.get(`${FAIL_PREFIX}ETCD_ROLE_NOT_FOUND`).string()).rejects.toBeInstanceOf(EtcdRoleNotFoundError);
    await expect(etcd.get(`${FAIL_PREFIX}ETCD_COMPACTED`).string()).rejects.toThrow(
      'etcdserver: mvcc: required revision has been compacted',
    );
  });
});
