// Servers for the unit tests of the Watch, Lease, Lock and Election services, backed by a
// TestMember: a bare grpc-js server with the services built with test options (small fragments,
// fast ticks). Not for comparisons with etcd, which run against real members (see watch-test-member.ts).
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { electionService } from '../../rpc/election-service.js';
import { addEtcdService } from '../../rpc/etcd-api.js';
import { kvService } from '../../rpc/kv-service.js';
import { leaseService } from '../../rpc/lease-service.js';
import { lockService } from '../../rpc/lock-service.js';
import { watchService, type WatchServiceOptions } from '../../rpc/watch-service.js';
import { TestMember } from './watch-test-member.js';

export interface ServedMember {
  readonly member: TestMember;
  /** "127.0.0.1:port" */
  readonly address: string;
  close(): Promise<void>;
}

/** KV, Watch, Lease, Lock and Election on a bare server, the Watch service with `watch` options. */
export async function serveServices(member = new TestMember(), watch: WatchServiceOptions = {}): Promise<ServedMember> {
  const server = new Server();
  addEtcdService(server, 'KV', kvService(member));
  addEtcdService(server, 'Watch', watchService(member, watch));
  addEtcdService(server, 'Lease', leaseService(member, member));
  const backend = { kv: member, watch: member, lease: member };
  addEtcdService(server, 'Lock', lockService(backend));
  addEtcdService(server, 'Election', electionService(backend));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  return {
    member,
    address: `127.0.0.1:${port}`,
    close: async () => {
      member.close();
      // Open streams (a watch, an observe) are cut rather than waited for.
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setImmediate(() => server.forceShutdown());
      });
    },
  };
}
