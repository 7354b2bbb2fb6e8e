// A ClientServer over the in-process fake member (watch-test-member.ts), on loopback ports, for the
// tests of what the server itself does with connections: the shared port, the JSON gateway's
// plumbing. Comparisons with etcd run against real member processes instead.
import { pino } from 'pino';
import { ClientServer, type ListenSpec } from '../../rpc/client-server.js';
import type { HttpHandler } from '../../rpc/http-handler.js';
import type { ClusterBackend } from '../../rpc/member-backend.js';
import { TestMember } from './watch-test-member.js';

function unused(): Promise<never> {
  return Promise.reject(new Error('not used by this test'));
}

export function fakeCluster(member: TestMember): ClusterBackend {
  return {
    memberList: () => [],
    alarms: () => [],
    status: () => ({ leader: 1, raftIndex: 0, raftTerm: 1, raftAppliedIndex: 0, revision: member.revision, isLearner: false, dbSize: 0, dbSizeInUse: 0, errors: [] }),
    addMember: unused,
    removeMember: unused,
    updateMember: unused,
    promoteMember: unused,
    hashKV: unused,
    hash: unused,
    backendSnapshot: unused,
    moveLeader: unused,
    defragment: unused,
    changeAlarm: unused,
  };
}

export interface FixtureOptions {
  readonly listen?: readonly ListenSpec[];
  readonly httpHandlers?: readonly HttpHandler[];
}

export async function startClientServer(member: TestMember, options: FixtureOptions = {}): Promise<ClientServer> {
  const server = new ClientServer({
    listen: options.listen ?? ['127.0.0.1:0'],
    maxRequestBytes: 1.5 * 1024 * 1024,
    kv: member,
    watch: member,
    lease: member,
    cluster: fakeCluster(member),
    ...(options.httpHandlers ? { httpHandlers: options.httpHandlers } : {}),
    logger: pino({ level: 'silent' }),
  });
  await server.start();
  return server;
}
