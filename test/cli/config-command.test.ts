// `lodestone config …` run as a user runs it against three real members: set publishes in one step,
// get, history, diff between two releases, rollback as a new release; --draft then publish -m; a
// schema refusing a publish, its errors printed and a non-zero exit; schema types that compile;
// gray release, promote, abandon and status.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, REPO_ROOT } from '../support/cluster.js';
import { runConfig } from './config-runner.js';
import type { Run } from './service-runner.js';

const exec = promisify(execFile);

describe('lodestone config', () => {
  let cluster: TestCluster;
  let endpoints: string;
  let dir: string;

  const config = (args: string[], stdin?: string): Promise<Run> => runConfig([...args, '--endpoints', endpoints], stdin);
  /** Runs a command that must succeed, and returns its standard output. */
  const ok = async (...args: string[]): Promise<string> => {
    const r = await config(args);
    expect(r.stderr, `lodestone config ${args.join(' ')}`).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const okJson = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '-w', 'json')) as T;

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
    endpoints = cluster.members.map((m) => m.clientUrl).join(',');
    dir = await mkdtemp(join(tmpdir(), 'lodestone-config-'));
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('set publishes in one step; get, history, diff between two releases, rollback as a new release', async () => {
    expect(await ok('set', 'my_service', 'max_connections', '100', '-m', 'first', '--author', 'ann')).toBe(
      'published release 1 of my_service/default/default: max_connections = 100\n',
    );
    expect(await ok('set', 'my_service', 'timeout', '5s')).toBe('published release 2 of my_service/default/default: timeout = 5s\n');
    // The same value again changes nothing: no new release.
    expect(await ok('set', 'my_service', 'timeout', '5s')).toBe('my_service/default/default: nothing changed, release 2 stays current\n');
    expect(await ok('set', 'my_service', 'max_connections', '200', '-m', 'more')).toBe('published release 3 of my_service/default/default: max_connections = 200\n');

    expect(await ok('get', 'my_service', 'max_connections')).toBe('200\n');
    expect(await ok('get', 'my_service', 'max_connections', '--release', '1')).toBe('100\n');
    expect(await ok('get', 'my_service')).toBe(['ITEM              FORMAT   VALUE', 'max_connections   text     200', 'timeout           text     5s', ''].join('\n'));
    const got = await okJson<{ release: number; items: Record<string, { value: string }> }>('get', 'my_service');
    expect(got.release).toBe(3);
    expect(got.items['timeout']?.value).toBe('5s');

    const diff = await ok('diff', 'my_service', '1', '3');
    expect(diff).toBe(
      [
        '--- my_service/default/default release 1',
        '+++ my_service/default/default release 3',
        '~ max_connections: 100 → 200',
        '+ timeout = 5s',
        '',
      ].join('\n'),
    );
    const diffJson = await okJson<{ from: number; to: number; changes: { item: string; change: string }[] }>('diff', 'my_service', '3', '1');
    expect(diffJson).toMatchObject({ from: 3, to: 1, changes: [{ item: 'max_connections', change: 'changed' }, { item: 'timeout', change: 'removed' }] });

    expect(await ok('rollback', 'my_service', '1', '-m', 'too many')).toBe("rolled my_service/default/default back to release 1's items as release 4\n");
    expect(await ok('get', 'my_service', 'max_connections')).toBe('100\n');
    const history = (await ok('history', 'my_service')).trimEnd().split('\n');
    expect(history[0]).toMatch(/^RELEASE\s+KIND\s+ITEMS\s+AUTHOR\s+TIME\s+MESSAGE$/);
    expect(history.slice(1).map((l) => l.split(/\s{3,}/).filter((_c, i) => i !== 4))).toEqual([
      ['4 *', 'rollback to 1', '1', 'anonymous', 'too many'],
      ['3', 'publish', '2', 'anonymous', 'more'],
      ['2', 'publish', '2', 'anonymous', '-'],
      ['1', 'publish', '1', 'ann', 'first'],
    ]);
    const historyJson = await okJson<{ current: number; releases: { release: number; kind: string; from?: number }[] }>('history', 'my_service');
    expect(historyJson.current).toBe(4);
    expect(historyJson.releases.map((r) => [r.release, r.kind, r.from])).toEqual([[4, 'rollback', 1], [3, 'publish', undefined], [2, 'publish', undefined], [1, 'publish', undefined]]);

    const list = await ok('list');
    expect(list).toMatch(/^NAMESPACE\s+RELEASE\s+GRAY\n/);
    expect(list).toMatch(/\nmy_service\/default\/default\s+4\s+-\n/);
  });

  it('--draft only stages; publish -m then makes the release; get --draft and diff show what is pending', async () => {
    const ns = 'billing/prod';
    expect(await ok('set', ns, 'rate', '10', '--draft')).toBe('staged rate = 10 in the draft of billing/prod/default; publish it with: lodestone config publish billing/prod/default\n');
    const limits = 'burst: 20\nwindow: 1s\n';
    expect((await config(['set', ns, 'limits', '-', '--format', 'yaml', '--draft'], limits)).code).toBe(0);
    expect(await ok('get', ns, 'limits', '--draft')).toBe(limits);
    // Nothing published yet.
    const none = await config(['get', ns, 'rate']);
    expect(none.code).not.toBe(0);
    expect(await ok('diff', ns)).toBe(
      ['--- billing/prod/default no release', '+++ billing/prod/default the draft', '+ limits (yaml)', '    + burst: 20', '    + window: 1s', '+ rate = 10', ''].join('\n'),
    );
    expect(await ok('publish', ns, '-m', 'launch')).toBe('published release 1 of billing/prod/default\n');
    expect(await ok('get', ns, 'rate')).toBe('10\n');

    await ok('set', ns, 'limits', 'burst: 40\nwindow: 1s\n', '--draft');
    expect(await ok('diff', ns)).toBe(
      ['--- billing/prod/default release 1', '+++ billing/prod/default the draft', '~ limits (yaml)', '    - burst: 20', '    + burst: 40', '      window: 1s', ''].join('\n'),
    );
    expect(await ok('publish', ns)).toBe('published release 2 of billing/prod/default\n');
    expect(await ok('publish', ns)).toBe('billing/prod/default: nothing changed, release 2 stays current\n');
  });

  it('a schema refuses a publish: the errors are printed, the exit status is non-zero, the release stays', async () => {
    const ns = 'checkout';
    await ok('set', ns, 'max_connections', '100');
    const schemaFile = join(dir, 'checkout.schema.json');
    await writeFile(
      schemaFile,
      JSON.stringify({
        type: 'object',
        properties: { max_connections: { type: 'integer', minimum: 1, maximum: 1000 }, mode: { enum: ['fast', 'safe'] } },
        required: ['max_connections'],
      }),
    );
    expect(await ok('schema', 'set', ns, schemaFile)).toMatch(/^set the schema of checkout\/default\/default \(revision \d+\)/);

    const refused = await config(['set', ns, 'max_connections', '5000']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^Error: .*\(CONFIG_SCHEMA_INVALID\)\n {2}\/max_connections: must be <= 1000\nThe change stays in the draft of checkout\/default\/default/);

    await ok('set', ns, 'max_connections', '300', '--draft');
    await ok('set', ns, 'mode', 'turbo', '--draft');
    const twice = await config(['publish', ns]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('  /mode: must be equal to one of the allowed values\n');
    expect(await ok('get', ns, 'max_connections')).toBe('100\n');

    await ok('set', ns, 'mode', 'safe');
    expect(await ok('get', ns, 'max_connections')).toBe('300\n');
    expect(JSON.parse(await ok('schema', 'get', ns))).toMatchObject({ required: ['max_connections'] });
  });

  it('schema types prints TypeScript declarations that compile and type the items', async () => {
    const types = await ok('schema', 'types', 'checkout');
    expect(types).toContain('export interface CheckoutConfig {');
    expect(types).toContain('max_connections: number;');
    expect(types).toMatch(/mode\?: "fast" \| "safe";/);
    await writeFile(join(dir, 'checkout-config.ts'), types);
    await writeFile(
      join(dir, 'use.ts'),
      [
        "import type { CheckoutConfig } from './checkout-config.js';",
        "export const good: CheckoutConfig = { max_connections: 10, mode: 'fast' };",
        '// @ts-expect-error: mode is one of the schema\'s values',
        "export const bad: CheckoutConfig = { max_connections: 10, mode: 'turbo' };",
        '',
      ].join('\n'),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', join(dir, 'use.ts')];
    await expect(exec(process.execPath, [tsc, ...args])).resolves.toBeDefined();

    const none = await config(['schema', 'types', 'my_service']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('Error: my_service/default/default has no schema to derive types from\n');
  });

  it('gray by labels, status, promote; gray by percent, abandon; a second gray release is refused', async () => {
    const ns = 'search';
    await ok('set', ns, 'index', 'v1');
    await ok('set', ns, 'index', 'v2', '--draft');
    expect(await ok('gray', ns, '--labels', 'canary=true,zone=b', '-m', 'try v2')).toBe(
      'gray release 2 of search/default/default goes to instances with canary=true,zone=b; the others stay on release 1 (promote or abandon it next)\n',
    );
    const again = await config(['gray', ns, '--percent', '10']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(CONFIG_CONFLICT\)\n$/);
    const history = await ok('history', ns);
    expect(history).toMatch(/\n2 ~\s+gray canary=true,zone=b\s+1\s+anonymous/);
    expect(await ok('status', ns)).toBe('search/default/default: current release 1, gray release 2 to canary=true,zone=b\nno instance has recorded a release yet\n');
    expect(await ok('promote', ns)).toBe('promoted gray release 2 of search/default/default to every instance as release 3\n');
    expect(await ok('get', ns, 'index')).toBe('v2\n');

    await ok('set', ns, 'index', 'v3', '--draft');
    expect(await ok('gray', ns, '--percent', '10%')).toMatch(/^gray release 4 of search\/default\/default goes to instances with 10%;/);
    expect(await ok('abandon', ns, '--reason', 'slow')).toBe('abandoned gray release 4 of search/default/default: its instances go back to the current release\n');
    expect(await ok('get', ns, 'index')).toBe('v2\n');
    const noGray = await config(['abandon', ns]);
    expect([noGray.code, noGray.stderr]).toEqual([1, 'Error: namespace search/default/default has no gray release under way (CONFIG_NOT_FOUND)\n']);
  });

  it('refuses bad input before connecting, and prints the server’s message for what it refuses', async () => {
    const badNs = await config(['get', 'a/b/c/d']);
    expect(badNs.code).toBe(1);
    expect(badNs.stderr).toMatch(/^Error: a namespace is <app>\[\/<env>\[\/<cluster>\]\]/);
    const badJson = await config(['set', 'my_service', 'features', '{not json', '--format', 'json']);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/\(CONFIG_BAD_REQUEST\)\n$/);
    const noRelease = await config(['rollback', 'my_service', '99']);
    expect(noRelease.code).toBe(1);
    expect(noRelease.stderr).toMatch(/\(CONFIG_NOT_FOUND\)\n$/);
    const grayWithout = await config(['gray', 'my_service']);
    expect([grayWithout.code, grayWithout.stderr]).toEqual([1, 'Error: a gray release needs --labels k=v[,k2=v2] and/or --percent N\n']);
  });
});
