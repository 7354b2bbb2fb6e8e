// The remote client with a user of the cluster's auth, against etcd 3.4 and Lodestone (one member
// and three), the same script each: connect({ auth }) logs in (a wrong password fails at once), its
// calls carry the token, a permission revoked from the user takes effect on its next call, and a
// token that expired unused (--auth-token-ttl 1, a flag both take) is replaced by a new login
// without the caller seeing it.
import { describe } from 'vitest';
import { connect, isEtcdError, type Client } from '../../index.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';

const binaries = checkBinaries(['etcd', 'etcdctl'], 'the remote client auth comparison');

async function ctl(c: ComparedCluster, args: readonly string[]): Promise<string> {
  const r = await etcdctl(c.endpoints, args);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    const r = await run();
    return `ok ${r === undefined ? '' : JSON.stringify(r)}`.trim();
  } catch (e) {
    return isEtcdError(e) ? `${e.code}: ${e.message}` : `failed: ${String(e)}`;
  }
}

(binaries.run ? describe : describe.skip)('the remote client with auth, beside etcd', () => {
  const clusters = useClustersBesideEtcd(binaries, { extraArgs: ['--auth-token-ttl', '1'] });

  itAnswersAsEtcd(clusters, 'logs in, is refused outside its permissions and after a revoke, and logs in again when its token expires', async (c) => {
    const lines: string[] = [];
    for (const args of [
      ['user', 'add', 'root:rootpw'],
      ['role', 'add', 'app'],
      ['role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix'],
      ['user', 'add', 'svc:svcpw'],
      ['user', 'grant-role', 'svc', 'app'],
      ['auth', 'enable'],
    ]) lines.push(await ctl(c, args));
    const endpoints = c.endpoints.map((e) => `http://${e}`);
    lines.push(`wrong password: ${await outcome(() => connect({ endpoints, auth: { username: 'svc', password: 'nope' } }))}`);
    const client: Client = await connect({ endpoints, auth: { username: 'svc', password: 'svcpw' } });
    try {
      lines.push(`put inside: ${await outcome(() => client.put('app/a', '1').then(() => undefined))}`);
      lines.push(`get inside: ${await outcome(async () => (await client.get('app/a'))?.valueString)}`);
      lines.push(`put outside: ${await outcome(() => client.put('other', '1').then(() => undefined))}`);
      // Unused for longer than --auth-token-ttl: the member forgot the token; the client logs in again.
      await new Promise((r) => setTimeout(r, 2500));
      lines.push(`get after the token expired: ${await outcome(async () => (await client.get('app/a'))?.valueString)}`);
      lines.push(await ctl(c, ['--user=root:rootpw', 'role', 'revoke-permission', 'app', 'app/', '--prefix']));
      lines.push(`put after the revoke: ${await outcome(() => client.put('app/a', '2').then(() => undefined))}`);
    } finally {
      await client.close();
    }
    return lines;
  });
});
