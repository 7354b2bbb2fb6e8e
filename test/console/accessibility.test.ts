// Each page of the console, in the light theme and the dark one, audited with axe-core against
// WCAG 2 A and AA (labels, names, roles, landmarks, colour contrast) on a real three-member cluster
// holding a little of everything: keys, a lease, services with checks in each state, a config
// namespace with two releases. A serious or critical finding fails the test with what and where.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { enableAuth } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { b64, gateway, put } from '../support/consul-http.js';
import { browserCheck, launchBrowser } from './support/browser.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Finding {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly failureSummary?: string }[];
}

let cluster: TestCluster;
let base: string;
let browser: Browser;

async function configCall(method: string, path: string, body: unknown): Promise<void> {
  const r = await fetch(`${base}/lodestone/v1/config/shop/prod/default${path}`, { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
}

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
  base = cluster.members[0]!.clientUrl;
  const lease = await gateway(base, 'lease/grant', { TTL: 600 });
  await gateway(base, 'kv/put', { key: b64('app/greeting'), value: b64('hello') });
  await gateway(base, 'kv/put', { key: b64('app/limits'), value: b64('{"rps": 100, "burst": 20}') });
  await gateway(base, 'kv/put', { key: b64('app/limits'), value: b64('{"rps": 200, "burst": 20}') });
  await gateway(base, 'kv/put', { key: b64('app/session'), value: b64('live'), lease: lease['ID'] });
  await put(base, '/v1/agent/service/register', { Name: 'db', ID: 'db-1', Address: '127.0.0.1', Port: 5432, Tags: ['primary'], Check: { CheckID: 'db-1-ttl', TTL: '60s' } });
  await put(base, '/v1/agent/check/warn/db-1-ttl?note=replica%20lag%203s');
  await put(base, '/v1/agent/service/register', { Name: 'db', ID: 'db-2', Address: '127.0.0.1', Port: 5433, Check: { CheckID: 'db-2-ttl', TTL: '60s' } });
  await put(base, '/v1/agent/check/pass/db-2-ttl');
  await put(base, '/v1/agent/service/register', { Name: 'db', ID: 'db-3', Address: '127.0.0.1', Port: 5434, Check: { CheckID: 'db-3-ttl', TTL: '60s' } });
  await put(base, '/v1/agent/check/fail/db-3-ttl?note=down');
  await configCall('PUT', '/items/max_connections', { value: '100' });
  await configCall('POST', '/publish', { message: 'first', author: 'ops' });
  await configCall('PUT', '/items/max_connections', { value: '200' });
  await configCall('PUT', '/items/log', { value: 'level: debug\nformat: json\n', format: 'yaml' });
  await configCall('POST', '/publish', { message: 'more connections', author: 'ops' });
  if (browserCheck.run) browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
});

/** Opens `hash`, waits for `ready` to show, and returns axe's serious and critical findings. */
async function audit(theme: 'light' | 'dark', hash: string, ready: (page: Page) => Promise<void>): Promise<string[]> {
  // axe runs as an injected script, which the console's CSP would refuse: this context allows it.
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, colorScheme: theme, bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/ui/${hash}`);
    await ready(page);
    // Let live updates and countdowns settle into a steady page.
    await page.waitForTimeout(300);
    await page.addScriptTag({ path: AXE_SCRIPT });
    const findings = (await page.evaluate(
      "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)",
    )) as Finding[];
    return findings
      .filter((f) => f.impact === 'serious' || f.impact === 'critical')
      .map((f) => `${f.id} (${f.impact}): ${f.help} — ${f.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join(' | ')}`);
  } finally {
    await context.close();
  }
}

const heading = (name: string) => async (page: Page) => {
  await page.getByRole('heading', { name, level: 1 }).waitFor();
};

const PAGES: readonly [name: string, hash: string, ready: (page: Page) => Promise<void>][] = [
  ['cluster', '#/cluster', async (page) => void (await page.getByText('serves this page').waitFor())],
  ['keys, a key with its history', '#/keys/app/?key=app/limits', async (page) => void (await page.getByRole('heading', { name: 'History' }).waitFor())],
  ['services, a service with its instances', '#/services/db', async (page) => void (await page.getByText('db-3').first().waitFor())],
  ['services, the dependency graph', '#/services?view=graph', heading('Services')],
  ['configuration, the namespace list', '#/config', async (page) => void (await page.getByText('shop/prod/default').first().waitFor())],
  ['configuration, a namespace', '#/config/shop/prod/default', async (page) => void (await page.getByText('more connections').first().waitFor())],
  ['leases and watchers', '#/leases', async (page) => void (await page.getByText('app/session').first().waitFor())],
];

describe.skipIf(!browserCheck.run)('the console meets WCAG 2 AA by axe-core', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const [name, hash, ready] of PAGES) {
      it(`${name}, ${theme} theme`, async () => {
        expect(await audit(theme, hash, ready)).toEqual([]);
      }, 30_000);
    }
  }

  it('the sign-in page, with auth on', async () => {
    await enableAuth(base, []);
    for (const theme of ['light', 'dark'] as const) {
      expect(await audit(theme, '', heading('Sign in to Lodestone')), theme).toEqual([]);
    }
  }, 30_000);
});
