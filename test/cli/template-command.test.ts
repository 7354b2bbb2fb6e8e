// `lodestone template` run as a user runs it against three real members: a render over a config
// release and a service's healthy instances; a re-render on a publish, with the command run only
// when the output changed; a check command that refuses a candidate keeps the old file and records
// the release rejected; --wait makes one render of a burst of publishes; a gray release reaches the
// instance whose --labels match it, and its promote every instance; with no member answering, the
// template starts from the cached release and says so (last: it stops the cluster). (HAProxy: template-haproxy.test.ts.)
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, register, type Client, type Registration } from '../../index.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { promoteForTest, publishForTest } from '../support/config-publish.js';
import { appliedRecords, publish, readOr, startTemplate, type TemplateProcess } from './template-support.js';

describe('lodestone template', () => {
  let cluster: TestCluster;
  let client: Client;
  let endpoints: string;
  let dir: string;
  const running: TemplateProcess[] = [];
  const registrations: Registration[] = [];

  const template = (...args: string[]): TemplateProcess => {
    const p = startTemplate([...args, '--endpoints', endpoints, '--cache-dir', join(dir, 'cache')]);
    running.push(p);
    return p;
  };
  const lines = async (path: string): Promise<string[]> => (await readOr(path)).split('\n').filter((l) => l.length > 0);

  beforeAll(async () => {
    cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, readyTimeoutMs: 60_000 });
    endpoints = cluster.members.map((m) => m.endpoint).join(',');
    client = await connect({ endpoints: cluster.members.map((m) => m.endpoint) });
    dir = await mkdtemp(join(tmpdir(), 'lodestone-template-'));
  }, 120_000);

  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    for (const r of registrations) await r.close().catch(() => undefined);
    await client?.close();
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders config items and healthy instances once with --once, writing the file with its mode kept', async () => {
    await publish(client, 'once-app', { max_connections: '100', greeting: 'hello' });
    registrations.push(await register(client, 'once-web', 'b', { address: '127.0.0.1', port: 8002, tags: ['v2'] }));
    registrations.push(await register(client, 'once-web', 'a', { address: '127.0.0.1', port: 8001, tags: ['v1'], meta: { zone: 'a' } }));
    const source = join(dir, 'once.liquid');
    const dest = join(dir, 'once.conf');
    await writeFile(
      source,
      'max_connections {{ config.max_connections }}\n' +
        'release {{ namespaces["once-app"].release }}\n' +
        '{%- for s in services["once-web"] %}\nserver {{ s.id }} {{ s.address }}:{{ s.port }} {{ s.tags | join: "," }} {{ s.meta.zone | default: "-" }}\n{%- endfor %}\n',
    );
    await writeFile(dest, 'old\n');
    await chmod(dest, 0o640);
    const p = template('--source', source, '--dest', dest, '--config', 'once-app', '--once');
    expect(await p.exited).toBe(0);
    expect(await readFile(dest, 'utf8')).toBe(
      'max_connections 100\nrelease 1\nserver a 127.0.0.1:8001 v1 a\nserver b 127.0.0.1:8002 v2 -\n',
    );
    expect((await stat(dest)).mode & 0o777).toBe(0o640);
    expect(p.stderr()).toContain('written');
    const [applied] = await appliedRecords(client, 'once-app');
    // --once exits: its record goes with its lease (revoked on close), so none is left.
    expect(applied).toBeUndefined();
  }, 60_000);

  it('renders again on a publish, and runs the command only when the output changed', async () => {
    await publish(client, 'follow-app', { max_connections: '100', unused: 'x' });
    const source = join(dir, 'follow.liquid');
    const dest = join(dir, 'follow.conf');
    const ran = join(dir, 'follow.ran');
    await writeFile(source, 'max_connections {{ config.max_connections }}\n');
    template('--source', source, '--dest', dest, '--config', 'follow-app', '--instance', 'follow-1', '--command', `cat {{dest}} >> ${ran}`);
    await eventually('the first render', async () => ((await lines(ran)).length === 1 ? true : undefined));
    expect(await readFile(dest, 'utf8')).toBe('max_connections 100\n');

    const second = await publish(client, 'follow-app', { max_connections: '200', unused: 'x' });
    await eventually('the render of the second release', async () => ((await lines(ran)).length === 2 ? true : undefined));
    expect(await readFile(dest, 'utf8')).toBe('max_connections 200\n');
    expect(await lines(ran)).toEqual(['max_connections 100', 'max_connections 200']);
    await eventually('release 2 recorded applied', async () => {
      const [r] = await appliedRecords(client, 'follow-app');
      return r?.release === second && r.state === 'applied' ? r : undefined;
    });

    // A release that changes nothing the template uses: it is taken (recorded applied) and nothing runs.
    const third = await publish(client, 'follow-app', { max_connections: '200', unused: 'y' });
    const record = await eventually('release 3 recorded applied', async () => {
      const [r] = await appliedRecords(client, 'follow-app');
      return r?.release === third ? r : undefined;
    });
    expect(record).toMatchObject({ instance: 'follow-1', state: 'applied', via: 'template' });
    expect(await lines(ran)).toEqual(['max_connections 100', 'max_connections 200']);
    expect(await readFile(dest, 'utf8')).toBe('max_connections 200\n');
  }, 90_000);

  it('keeps the old file when --check-command refuses the candidate, and records the release rejected', async () => {
    await publish(client, 'check-app', { mode: 'good-1' });
    const source = join(dir, 'check.liquid');
    const dest = join(dir, 'check.conf');
    const ran = join(dir, 'check.ran');
    await writeFile(source, 'mode {{ config.mode }}\n');
    const p = template(
      '--source', source, '--dest', dest, '--config', 'check-app', '--instance', 'check-1',
      '--check-command', 'grep -q good {{candidate}} && grep -q good "$LODESTONE_TEMPLATE_CANDIDATE" || { echo "no good in it"; exit 3; }',
      '--command', `echo ran >> ${ran}`,
    );
    await eventually('the first render', async () => ((await lines(ran)).length === 1 ? true : undefined));
    expect(await readFile(dest, 'utf8')).toBe('mode good-1\n');

    const bad = await publish(client, 'check-app', { mode: 'bad' });
    const rejected = await eventually('the bad release recorded rejected', async () => {
      const [r] = await appliedRecords(client, 'check-app');
      return r?.release === bad ? r : undefined;
    });
    expect(rejected).toMatchObject({ instance: 'check-1', state: 'rejected', via: 'template' });
    expect(rejected.reason).toContain('no good in it');
    expect(await readFile(dest, 'utf8')).toBe('mode good-1\n');
    expect(await lines(ran)).toEqual(['ran']);
    expect(p.stderr()).toContain('TEMPLATE_CHECK_FAILED');
    // No candidate is left beside the file.
    expect((await readdir(dir)).filter((f) => f.startsWith('.check.conf'))).toEqual([]);
    // --once says so with its exit code.
    const once = template('--source', source, '--dest', dest, '--config', 'check-app', '--check-command', 'grep -q good {{candidate}}', '--once');
    expect(await once.exited).toBe(1);
    expect(once.stderr()).toContain('TEMPLATE_CHECK_FAILED');
    expect(await readFile(dest, 'utf8')).toBe('mode good-1\n');

    const good = await publish(client, 'check-app', { mode: 'good-2' });
    await eventually('the good release recorded applied', async () => {
      const [r] = await appliedRecords(client, 'check-app');
      return r?.release === good && r.state === 'applied' ? r : undefined;
    });
    expect(await readFile(dest, 'utf8')).toBe('mode good-2\n');
    expect(await lines(ran)).toEqual(['ran', 'ran']);
  }, 90_000);

  it('with --wait, renders a burst of publishes once', async () => {
    await publish(client, 'wait-app', { n: '0' });
    const source = join(dir, 'wait.liquid');
    const dest = join(dir, 'wait.conf');
    const ran = join(dir, 'wait.ran');
    await writeFile(source, 'n {{ config.n }}\n');
    template('--source', source, '--dest', dest, '--config', 'wait-app', '--instance', 'wait-1', '--wait', '5s:60s', '--command', `cat {{dest}} >> ${ran}`);
    await eventually('the first render', async () => ((await lines(ran)).length === 1 ? true : undefined));
    let last = 0;
    for (let n = 1; n <= 5; n++) last = await publish(client, 'wait-app', { n: String(n) });
    await eventually('the last release recorded applied', async () => {
      const [r] = await appliedRecords(client, 'wait-app');
      return r?.release === last && r.state === 'applied' ? r : undefined;
    });
    expect(await lines(ran)).toEqual(['n 0', 'n 5']);
  }, 120_000);

  it('renders a gray release only where --labels match it, and the promoted release everywhere', async () => {
    await publish(client, 'gray-app', { color: 'blue' });
    const source = join(dir, 'gray.liquid');
    await writeFile(source, 'color {{ config.color }}\n');
    const canary = join(dir, 'gray-canary.conf');
    const stable = join(dir, 'gray-stable.conf');
    template('--source', source, '--dest', canary, '--config', 'gray-app', '--instance', 'gray-canary', '--labels', 'canary=true,zone=a');
    template('--source', source, '--dest', stable, '--config', 'gray-app', '--instance', 'gray-stable', '--labels', 'zone=a');
    const both = async (release: number): Promise<true | undefined> => {
      const records = await appliedRecords(client, 'gray-app');
      return records.length === 2 && records.every((r) => r.release === release && r.state === 'applied') ? true : undefined;
    };
    await eventually('both on release 1', () => both(1));
    expect(await readFile(canary, 'utf8')).toBe('color blue\n');

    const gray = await publishForTest(client, 'gray-app', { color: 'green' }, { gray: { labels: { canary: 'true' } } });
    await eventually('the canary on the gray release', async () => ((await readOr(canary)) === 'color green\n' ? true : undefined));
    const records = await appliedRecords(client, 'gray-app');
    expect(records.map((r) => [r.instance, r.release, r.labels]).sort()).toEqual([
      ['gray-canary', gray, { canary: 'true', zone: 'a' }],
      ['gray-stable', 1, { zone: 'a' }],
    ]);
    expect(await readFile(stable, 'utf8')).toBe('color blue\n');

    const promoted = await promoteForTest(client, 'gray-app');
    await eventually('both on the promoted release', () => both(promoted));
    expect(await readFile(stable, 'utf8')).toBe('color green\n');
    expect(await readFile(canary, 'utf8')).toBe('color green\n');
  }, 90_000);

  it('renders from the cached release when no member answers, and says so (stops the cluster: keep it last)', async () => {
    await publish(client, 'cache-app', { color: 'red' });
    const source = join(dir, 'cache.liquid');
    await writeFile(source, 'color {{ config.color }}\n');
    const live = template('--source', source, '--dest', join(dir, 'cache-live.conf'), '--config', 'cache-app', '--once');
    expect(await live.exited).toBe(0);
    expect(live.stderr()).not.toContain('from the cache');

    // What the earlier tests registered goes first: with no member to take it, it would wait out its retries.
    for (const r of registrations.splice(0)) await r.close();
    for (let i = 0; i < cluster.members.length; i++) await cluster.stop(i);
    const dest = join(dir, 'cache-offline.conf');
    const offline = template('--source', source, '--dest', dest, '--config', 'cache-app', '--once', '--dial-timeout', '1s');
    expect(await offline.exited).toBe(0);
    expect(await readFile(dest, 'utf8')).toBe('color red\n');
    expect(offline.stderr()).toContain('no member answers');
    expect(offline.stderr()).toMatch(/cache-app\/default\/default release 1 from the cache/);
  }, 90_000);
});
