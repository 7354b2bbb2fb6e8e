// `lodestone service deps` against a real member: the dependency graph from consumer keys kept on
// leases, as discovering processes keep them, an edge gone with its lease; and bad input to the
// service commands refused with exit status 1 and a message, nothing written.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../index.js';
import { consumerKey } from '../../registry/layout.js';
import { TestCluster } from '../support/cluster.js';
import { LOOPBACK } from '../support/free-ports.js';
import { runService, type Run } from './service-runner.js';

describe('lodestone service deps, and bad input', () => {
  let cluster: TestCluster;
  let client: Client;
  let endpoints: string;
  let dir: string;

  const service = (...args: string[]): Promise<Run> => runService([...args, '--endpoints', endpoints]);

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 1, readyTimeoutMs: 60_000 });
    endpoints = cluster.members[0]!.endpoint;
    client = await connect({ endpoints: [endpoints] });
    dir = await mkdtemp(join(tmpdir(), 'lodestone-service-'));
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('deps: edges from consumer keys on leases, a tree with cycles marked; an edge goes when its lease is revoked', async () => {
    const leases = await Promise.all([client.grant(60), client.grant(60), client.grant(60), client.grant(60)]);
    const consume = (lease: (typeof leases)[number], consumer: string, svc: string, processKey: string, pid: number) =>
      client.put(consumerKey(svc, processKey), JSON.stringify({ consumer, host: 'h1', pid, since: 1_700_000_000_000 }), { lease });
    await consume(leases[0]!, 'checkout', 'payments', 'checkout@h1:100:1', 100);
    await consume(leases[1]!, 'checkout', 'payments', 'checkout@h1:101:1', 101);
    await consume(leases[0]!, 'checkout', 'inventory', 'checkout@h1:100:2', 100);
    await consume(leases[2]!, 'payments', 'ledger', 'payments@h1:200:1', 200);
    await consume(leases[3]!, 'ledger', 'payments', 'ledger@h1:300:1', 300);

    const json = await service('deps', '-w', 'json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { edges: { consumer: string; service: string; instances: number; processes: { pid: number }[] }[]; cycles: string[][] };
    expect(parsed.edges.map((e) => [e.consumer, e.service, e.instances])).toEqual([
      ['checkout', 'inventory', 1],
      ['checkout', 'payments', 2],
      ['ledger', 'payments', 1],
      ['payments', 'ledger', 1],
    ]);
    expect(parsed.edges[1]!.processes.map((p) => p.pid)).toEqual([100, 101]);
    expect(parsed.cycles).toEqual([['ledger', 'payments', 'ledger']]);

    const table = await service('deps');
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(
      [
        'CONSUMER   SERVICE     INSTANCES',
        'checkout   inventory   1',
        'checkout   payments    2',
        'ledger     payments    1',
        'payments   ledger      1',
        '',
        'checkout',
        '├── inventory',
        '└── payments',
        '    └── ledger',
        '        └── payments  (cycle)',
        '',
      ].join('\n'),
    );

    // The ledger process goes: its lease with it, and the cycle.
    await leases[3]!.revoke();
    const after = JSON.parse((await service('deps', '-w', 'json')).stdout) as typeof parsed;
    expect(after.edges.map((e) => [e.consumer, e.service, e.instances])).toEqual([
      ['checkout', 'inventory', 1],
      ['checkout', 'payments', 2],
      ['payments', 'ledger', 1],
    ]);
    expect(after.cycles).toEqual([]);
    await leases[1]!.revoke();
    const fewer = JSON.parse((await service('deps', '-w', 'json')).stdout) as typeof parsed;
    expect(fewer.edges.find((e) => e.service === 'payments')?.instances).toBe(1);
    for (const l of [leases[0]!, leases[2]!]) await l.revoke();
  }, 60_000);

  it('lists its subcommands; register --help says an instance registered from it is persistent', async () => {
    const [help, registerHelp] = await Promise.all([runService(['--help']), runService(['register', '--help'])]);
    expect(help.code).toBe(0);
    for (const sub of ['register [options] <service> <id>', 'deregister [options] <service> <id>', 'list [options]', 'get [options] <service>', 'watch [options] [service]', 'deps [options]']) {
      expect(help.stdout).toContain(sub);
    }
    expect(registerHelp.code).toBe(0);
    expect(registerHelp.stdout.replace(/\s+/g, ' ')).toContain('an instance is persistent: it has no lease (this command exits)');
    for (const flag of ['--endpoints', '--cacert', '--user', '--file', '--check-http', '--check-tcp', '--check-grpc', '--check-ttl', '--deregister-critical-after', '-w, --write-out']) {
      expect(registerHelp.stdout).toContain(flag);
    }
  }, 60_000);

  it('refuses bad input with exit status 1 and a message, writing nothing', async () => {
    const badFile = join(dir, 'bad.json');
    await writeFile(badFile, JSON.stringify({ address: 'a', port: 1, checks: [{ id: 'c', kind: 'smoke-signal' }] }));
    const [badPort, hugePort, unknownKindFlag, unknownKindFile, noService, noInstance, twoChecks, strayCheckFlag, badDuration, badMeta] = await Promise.all([
      service('register', 'bad', 'b-1', '--address', 'a', '--port', 'eighty'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '70000'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '1', '--check-smoke', 'x'),
      service('register', 'bad', 'b-1', '--file', badFile),
      service('get'),
      service('deregister', 'bad', 'nobody'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '1', '--check-tcp', 'a:1', '--check-ttl', '10s'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '1', '--interval', '1s'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '1', '--check-ttl', 'soon'),
      service('register', 'bad', 'b-1', '--address', 'a', '--port', '1', '--meta', 'novalue'),
    ]);
    expect(badPort).toMatchObject({ code: 1, stdout: '', stderr: 'Error: instance.port must be an integer from 0 to 65535\n' });
    expect(hugePort).toMatchObject({ code: 1, stderr: 'Error: instance.port must be an integer from 0 to 65535\n' });
    expect(unknownKindFlag.code).toBe(1);
    expect(unknownKindFlag.stderr).toContain("error: unknown option '--check-smoke'");
    expect(unknownKindFile).toMatchObject({ code: 1, stderr: 'Error: instance.checks[0].kind must be one of http, tcp, grpc, ttl\n' });
    expect(noService.code).toBe(1);
    expect(noService.stderr).toContain("error: missing required argument 'service'");
    expect(noInstance).toMatchObject({ code: 1, stderr: 'Error: no instance bad/nobody is registered\n' });
    expect(twoChecks).toMatchObject({ code: 1, stderr: expect.stringContaining('Error: one check at most') });
    expect(strayCheckFlag).toMatchObject({ code: 1, stderr: expect.stringContaining('Error: --interval set a check') });
    expect(badDuration.code).toBe(1);
    expect(badDuration.stderr).toContain("option '--check-ttl <duration>' argument 'soon' is invalid");
    expect(badMeta).toMatchObject({ code: 1, stderr: 'Error: --meta takes key=value, not "novalue"\n' });
    expect((await client.range({ prefix: '/lodestone/services/bad/' })).kvs).toEqual([]);

    const unreachable = await runService(['list', '--endpoints', `${LOOPBACK}:1`, '--dial-timeout', '1s']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^Error: .+\n$/);
  }, 60_000);
});
