// `lodestone exec` as a user runs it, against a real three-member cluster: the program gets the
// items as environment variables, is restarted with the new values on a release that changes them
// and left alone on one that does not, gets the --signal instead of a restart, passes its exit status
// on, is stopped by the SIGTERM exec receives, and a gray release by label reaches exactly the
// exec instances whose labels match (and the members' status view says who runs what), and a gray
// release one of them fails on is abandoned by the members on their own. Each release it gave the
// program is recorded applied. Releases are made through the members' HTTP API, asked of members 2
// and 3 while exec talks to member 1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../index.js';
import { appliedKey, parseNamespace, type AppliedRecord } from '../../configcenter/layout.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { ConfigPublisher } from './config-publisher.js';
import { ENV_CHILD, ExecRun } from './exec-runner.js';

describe('lodestone exec on a three-member cluster', () => {
  let cluster: TestCluster;
  let client: Client;
  let api: ConfigPublisher;
  let cacheDir: string;
  const runs: ExecRun[] = [];

  const exec = (ns: string, instance: string, options: readonly string[], program: readonly string[] = [process.execPath, ENV_CHILD, 'GREETING']): ExecRun => {
    const run = new ExecRun(['--endpoints', cluster.members[0]!.endpoint, '--cache-dir', cacheDir, '--instance', instance, '--config', ns, ...options, '--', ...program]);
    runs.push(run);
    return run;
  };
  const record = (ns: string, instance: string): Promise<AppliedRecord | undefined> =>
    client.get(appliedKey(parseNamespace(ns), instance)).then((kv) => kv?.json<AppliedRecord>());
  const recorded = (ns: string, instance: string, release: number, state: AppliedRecord['state'] = 'applied'): Promise<AppliedRecord> =>
    eventually(`${instance} recorded ${state} ${release}`, async () => {
      const r = await record(ns, instance);
      return r?.release === release && r.state === state ? r : undefined;
    });

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', readyTimeoutMs: 60_000 });
    client = await connect({ endpoints: cluster.endpoints });
    api = new ConfigPublisher(cluster.members.slice(1).map((m) => m.clientUrl));
    cacheDir = await mkdtemp(join(tmpdir(), 'exec-cache-'));
  }, 90_000);

  afterEach(async () => {
    for (const r of runs.splice(0)) await r.destroy();
  });

  afterAll(async () => {
    await client?.close();
    await cluster?.destroy();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('restarts the program with the new environment, and not on a release that changes nothing it sees', async () => {
    const ns = 'exec-restart';
    const r1 = await api.publish(ns, { greeting: 'hello', other: 'x' });
    const run = exec(ns, 'r-1', ['--prefix', 'APP_', '--only', 'greet*', '--kill-timeout', '5s'], [process.execPath, ENV_CHILD, 'APP_GREETING']);
    await run.waitFor(/^start \d+ APP_GREETING=hello$/);
    expect((await recorded(ns, 'r-1', r1)).via).toBe('exec');

    const r2 = await api.publish(ns, { greeting: 'hi', other: 'x' });
    await run.waitFor(/^start \d+ APP_GREETING=hi$/);
    await recorded(ns, 'r-1', r2);
    // Only an item it does not see changes: recorded applied, and the program is left alone.
    const r3 = await api.publish(ns, { greeting: 'hi', other: 'y' });
    await recorded(ns, 'r-1', r3);
    const r4 = await api.publish(ns, { greeting: 'hey', other: 'y' });
    await run.waitFor(/^start \d+ APP_GREETING=hey$/);
    await recorded(ns, 'r-1', r4);
    expect(run.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['APP_GREETING=hello', 'APP_GREETING=hi', 'APP_GREETING=hey']);
    expect(run.linesOf('term')).toHaveLength(2);

    // SIGTERM to exec goes to the program, which exits 0: so does exec, and its record goes.
    run.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.linesOf('term')).toHaveLength(3);
    expect(await record(ns, 'r-1')).toBeUndefined();
  });

  it('with --signal HUP signals the program instead of restarting it', async () => {
    const ns = 'exec-signal';
    await api.publish(ns, { greeting: 'one' });
    const run = exec(ns, 's-1', ['--signal', 'HUP']);
    const started = await run.waitFor(/^start \d+ GREETING=one$/);
    const pid = started.split(' ')[1];
    const r2 = await api.publish(ns, { greeting: 'two' });
    expect(await run.waitFor(/^hup /)).toBe(`hup ${pid} GREETING=one`);
    await recorded(ns, 's-1', r2);
    expect(run.linesOf('start')).toHaveLength(1);
    expect(run.linesOf('term')).toHaveLength(0);
  });

  it('exits with the program’s status when it exits on its own; a failure is recorded rejected', async () => {
    const r1 = await api.publish('exec-exit', { greeting: 'bye' });
    const run = exec('exec-exit', 'e-1', [], [process.execPath, '-e', 'process.exit(process.env.GREETING === "bye" ? 3 : 1)']);
    const ok = exec('exec-exit', 'e-2', [], [process.execPath, '-e', 'process.exit(0)']);
    expect(await run.exited).toBe(3);
    expect((await recorded('exec-exit', 'e-1', r1, 'rejected')).reason).toMatch(/exited with status 3 running release/);
    expect(await ok.exited).toBe(0);
    expect(await record('exec-exit', 'e-2')).toBeUndefined();
  });

  it('records the release rejected when the program cannot be started', async () => {
    const ns = 'exec-reject';
    const r1 = await api.publish(ns, { greeting: 'x' });
    const run = exec(ns, 'bad-1', [], ['/nonexistent/program']);
    expect(await run.exited).toBe(127);
    const rec = await recorded(ns, 'bad-1', r1, 'rejected');
    expect(rec.reason).toMatch(/could not start \/nonexistent\/program/);
  });

  it('a gray release by label reaches exactly the matching exec instances; promote reaches all; abandon returns them', async () => {
    const ns = 'exec-gray/prod';
    const base = await api.publish(ns, { greeting: 'v1' });
    const canary = exec(ns, 'g-canary', ['--labels', 'canary=true,zone=a', '--splay', '200ms']);
    const stable = exec(ns, 'g-stable', ['--labels', 'canary=false,zone=a']);
    const plain = exec(ns, 'g-plain', []);
    for (const r of [canary, stable, plain]) await r.waitFor(/^start \d+ GREETING=v1$/);

    const gray = await api.gray(ns, { greeting: 'v2' }, { labels: { canary: 'true' } });
    await canary.waitFor(/^start \d+ GREETING=v2$/);
    await recorded(ns, 'g-canary', gray);
    expect((await record(ns, 'g-stable'))?.release).toBe(base);
    expect((await record(ns, 'g-plain'))?.release).toBe(base);
    // The members' status view: each running instance, the release it runs, and that it is the one
    // meant for it.
    const status = await api.status<{ instances: (AppliedRecord & { expected: number; upToDate: boolean })[]; byRelease: unknown }>(ns);
    expect(status.instances.map((i) => [i.instance, i.release, i.state, i.via, i.expected, i.upToDate])).toEqual([
      ['g-canary', gray, 'applied', 'exec', gray, true],
      ['g-plain', base, 'applied', 'exec', base, true],
      ['g-stable', base, 'applied', 'exec', base, true],
    ]);
    expect(status.instances[0]!.labels).toEqual({ canary: 'true', zone: 'a' });
    expect(status.byRelease).toEqual({ [base]: { applied: 2, rejected: 0 }, [gray]: { applied: 1, rejected: 0 } });

    const promoted = await api.promote(ns);
    for (const r of [stable, plain]) await r.waitFor(/^start \d+ GREETING=v2$/);
    for (const id of ['g-canary', 'g-stable', 'g-plain']) await recorded(ns, id, promoted);
    // The promote gives the canary the values it already runs: no restart.
    expect(canary.linesOf('start')).toHaveLength(2);

    const gray2 = await api.gray(ns, { greeting: 'v3' }, { labels: { canary: 'true' } });
    await canary.waitFor(/^start \d+ GREETING=v3$/);
    await recorded(ns, 'g-canary', gray2);
    await api.abandon(ns);
    await recorded(ns, 'g-canary', promoted);
    await canary.waitFor(/^start \d+ GREETING=v2$/);
    await eventually('the canary restarted with v2 again', async () => (canary.linesOf('start').length >= 4 ? true : undefined));
    expect(canary.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['GREETING=v1', 'GREETING=v2', 'GREETING=v3', 'GREETING=v2']);
    for (const r of [stable, plain]) expect(r.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['GREETING=v1', 'GREETING=v2']);
  });

  it('the members abandon a gray release on their own when a program running it exits non-zero; its instances return to the current release', async () => {
    const ns = 'exec-guard/prod';
    const base = await api.publish(ns, { greeting: 'v1' });
    const canary = exec(ns, 'gd-canary', ['--labels', 'canary=true']);
    const stable = exec(ns, 'gd-stable', []);
    for (const r of [canary, stable]) await r.waitFor(/^start \d+ GREETING=v1$/);

    const gray = await api.gray(ns, { greeting: 'v2' }, { labels: { canary: 'true' } });
    await canary.waitFor(/^start \d+ GREETING=v2$/);
    await recorded(ns, 'gd-canary', gray);
    // A second canary whose program fails on the gray release's values.
    const broken = exec(ns, 'gd-broken', ['--labels', 'canary=true'], [process.execPath, ENV_CHILD, 'GREETING', 'fail-on', 'v2']);
    expect(await broken.exited).toBe(1);
    expect(broken.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['GREETING=v2']);

    const view = await eventually('the gray release ended', async () => {
      const v = await api.view<{ current: { release: number }; gray: unknown; grayEnded: { release: number; outcome: string; author: string; reason?: string } | null }>(ns);
      return v.gray === null ? v : undefined;
    });
    expect(view.grayEnded).toMatchObject({ release: gray, outcome: 'abandoned', author: 'lodestone' });
    expect(view.grayEnded!.reason).toMatch(/gd-broken rejected release \d+: .*exited with status 1/);
    expect(view.current.release).toBe(base);

    // The canary goes back to the current release; the stable instance never left it.
    await eventually('the canary restarted with v1 again', async () => (canary.linesOf('start').length >= 3 ? true : undefined));
    await recorded(ns, 'gd-canary', base);
    expect(canary.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['GREETING=v1', 'GREETING=v2', 'GREETING=v1']);
    expect(stable.linesOf('start').map((l) => l.split(' ')[2])).toEqual(['GREETING=v1']);
    expect((await record(ns, 'gd-stable'))?.release).toBe(base);
  });

  it('kills a program that does not stop on SIGTERM within the kill timeout, then starts it again', async () => {
    const ns = 'exec-kill';
    await api.publish(ns, { greeting: 'a' });
    const run = exec(ns, 'k-1', ['--kill-timeout', '500ms'], [process.execPath, ENV_CHILD, 'GREETING', 'ignore-term']);
    const first = await run.waitFor(/^start \d+ GREETING=a$/);
    const r2 = await api.publish(ns, { greeting: 'b' });
    await run.waitFor(/^start \d+ GREETING=b$/);
    await recorded(ns, 'k-1', r2);
    expect(run.linesOf('term')).toEqual([`term ${first.split(' ')[1]}`]);
    // The first program is gone: it was killed.
    expect(() => process.kill(Number(first.split(' ')[1]), 0)).toThrow();
  });

  it('starts the program from the cache file while the cluster is down, then follows the live releases', async () => {
    const ns = 'exec-cache';
    const r1 = await api.publish(ns, { greeting: 'cached' });
    const once = exec(ns, 'c-1', [], [process.execPath, '-e', 'process.exit(0)']);
    expect(await once.exited).toBe(0);
    for (const m of cluster.members) await cluster.stop(m.index);
    const run = exec(ns, 'c-2', ['--dial-timeout', '1s']);
    await run.waitFor(/^start \d+ GREETING=cached$/);
    expect(run.stderr).toMatch(/the cluster is unreachable: starting with release \d+ .* from the cache file/);
    for (const m of cluster.members) cluster.restart(m.index);
    await cluster.waitReady(60_000);
    await eventually('c-2 recorded', async () => ((await record(ns, 'c-2'))?.release === r1 ? true : undefined), 60_000);
    await api.publish(ns, { greeting: 'live' });
    await run.waitFor(/^start \d+ GREETING=live$/);
    expect(run.linesOf('start')).toHaveLength(2);
  }, 180_000);
});
