// The package as its users get it: built to dist/ with declarations by tsconfig.build.json (into a
// scratch copy of the package, so that a build here never races with one in the checkout), imported
// by its name ('lodestone', through package.json's "exports"), and every example of examples/ — the
// files the README shows — type-checked against the built declarations and run.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../index.js';
import { localClusterTls } from '../../cluster/local-cluster-tls.js';
import { REPO_ROOT } from '../support/cluster.js';
import { freePortRange, LOOPBACK } from '../support/free-ports.js';

const run = promisify(execFile);
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What each example must print (among its lines), run against an in-memory node or a served one. */
const EXPECTED: Record<string, readonly string[]> = {
  'embedded-node.ts': ['hello', 'app/greeting app/color', 'true', 'put app/greeting hi', 'delete app/session '],
  'embedded-cluster.ts': ['leaders: 1', 'hello from a'],
  'remote-client.ts': ['put jobs/42 queued', 'put jobs/42 running', 'ETCD_LEASE_NOT_FOUND etcdserver: requested lease not found'],
  'service-registry.ts': ['instances at start: 0', 'added api-1 10.0.0.1:8080', 'added api-2 10.0.0.2:8080', 'picks: api-1 api-1 api-2 api-1', 'removed api-1', 'instances now: api-2'],
  'service-health.ts': ['healthy at start: 0', 'scheduler depends on worker', 'report: written', 'healthy: worker-1 10.0.0.7:9000', 'dropped: worker-1 worker-1-ttl', 'edges left: 0'],
  'live-config.ts': ['current maxItems: 20', 'maxItems = 20', 'rejected: config checkout/limits: maxItems must be a positive number', 'maxItems = 50'],
  'embedded-tls.ts': ['hello over TLS', 'ETCD_PERMISSION_DENIED'],
};

describe('the package and its examples', () => {
  let pkg: string;
  let served: LodestoneNode | undefined;

  beforeAll(async () => {
    pkg = await mkdtemp(join(tmpdir(), 'lodestone-package-'));
    await run(process.execPath, [TSC, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: REPO_ROOT });
    for (const f of ['package.json', 'tsconfig.json', 'README.md']) await cp(join(REPO_ROOT, f), join(pkg, f));
    // package.json's "files" ships the console's front end beside dist/.
    await cp(join(REPO_ROOT, 'console'), join(pkg, 'console'), { recursive: true });
    await cp(join(REPO_ROOT, 'examples'), join(pkg, 'examples'), { recursive: true });
    await symlink(join(REPO_ROOT, 'proto'), join(pkg, 'proto'));
    await symlink(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
    served = await openNode({ inMemory: true }, { serve: { clientUrls: [`http://${LOOPBACK}:0`] } });
    // The certificates `npm run cluster -- --tls` would make, for the TLS example.
    await localClusterTls(join(pkg, 'tls'), ['infra1'], []);
  }, 300_000);

  afterAll(async () => {
    await served?.close();
    if (pkg) await rm(pkg, { recursive: true, force: true });
  });

  it('is built to dist/ with declarations, and imported by its name', async () => {
    expect((await stat(join(pkg, 'dist', 'index.d.ts'))).isFile()).toBe(true);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const l = await import('lodestone'); console.log(Object.keys(l).sort().join(' '))"], { cwd: pkg });
    const names = stdout.trim().split(' ');
    for (const name of ['openNode', 'connect', 'register', 'discover', 'readDependencies', 'config', 'Op', 'ClientError', 'EtcdError', 'configKey', 'serviceKey']) expect(names).toContain(name);
  });

  it('type-checks every example against the built declarations', async () => {
    const r = await run(process.execPath, [TSC, '-p', join(pkg, 'examples', 'tsconfig.json')], { cwd: pkg }).catch((e: { stdout?: string }) => e);
    expect('stdout' in r ? r.stdout : '').toBe('');
  }, 120_000);

  it('has an expectation for every example', async () => {
    const files = (await readdir(join(REPO_ROOT, 'examples'))).filter((f) => f.endsWith('.ts')).sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it('shows every example in the README as it is', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const file of Object.keys(EXPECTED)) {
      const source = (await readFile(join(REPO_ROOT, 'examples', file), 'utf8')).trimEnd();
      expect(readme.includes('```ts\n' + source + '\n```'), `README shows examples/${file}`).toBe(true);
    }
  });

  it.each(Object.keys(EXPECTED))('runs examples/%s', async (file) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LODESTONE_ENDPOINTS: served!.clientUrls.join(','), LODESTONE_BASE_PORT: String(await freePortRange(6)), LODESTONE_TLS_DIR: join(pkg, 'tls') };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join('examples', file)], { cwd: pkg, env, timeout: 60_000 });
    const lines = stdout.split('\n');
    for (const line of EXPECTED[file]!) expect(lines).toContain(line);
  }, 90_000);
});
