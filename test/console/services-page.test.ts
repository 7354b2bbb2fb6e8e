// The console's Services page on a real three-member cluster: instances registered through Consul's
// API and `lodestone service register`, checked over HTTP against servers this test runs. The page
// counts them by state, turns an instance critical when its server stops and passing when it is
// back — without a reload, with both changes in the check's timeline —, draws the consumers that
// discover() records as a dependency graph, and deregisters an instance as Consul's API then sees.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { connect, discover, register, type Client } from '../../index.js';
import { enableAuth } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { b64, consulJson, gateway, put, type CatalogEntry } from '../support/consul-http.js';
import { eventually } from '../support/eventually.js';
import { runService } from '../cli/service-runner.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { browserCheck, launchBrowser, openConsole, screenshot, type ConsolePage } from './support/browser.js';

/** A tiny HTTP server to be checked; it can be stopped and started again on its port. */
class CheckedServer {
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }
}

let cluster: TestCluster;
let browser: Browser;
let client: Client | undefined;
const web1 = new CheckedServer();
const web2 = new CheckedServer();
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
  await Promise.all([web1.start(), web2.start()]);
  if (browserCheck.run) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await client?.close();
  await browser?.close();
  await Promise.all([web1.stop(), web2.stop()]);
  await cluster?.destroy();
});

const member = (i: number): string => cluster.members[i]!.clientUrl;

/** The row of a service in the page's table: its counts by state. */
async function counts(page: Page, service: string): Promise<string[]> {
  const row = page.locator(`tr[data-service="${service}"]`);
  return Promise.all(['passing', 'warning', 'critical'].map((s) => row.locator(`td[data-state="${s}"]`).innerText()));
}

function instanceCard(page: Page, id: string) {
  return page.locator(`article[data-instance="${id}"]`);
}

describe.skipIf(!browserCheck.run)('the Services page', () => {
  let open: ConsolePage;

  it('shows the services with their instances counted by state, and each instance with its checks', async () => {
    // web-1 through Consul's API on one member, web-2 with the command line on another, db without checks.
    await put(member(1), '/v1/agent/service/register', {
      Name: 'web', ID: 'web-1', Address: '127.0.0.1', Port: web1.port, Tags: ['v1'], Meta: { zone: 'a' }, Weights: { Passing: 3, Warning: 1 },
      Check: { CheckID: 'web-1-http', Name: 'web-1 http', HTTP: web1.url, Interval: '300ms', Timeout: '2s' },
    });
    const cli = await runService(['register', 'web', 'web-2', '--endpoints', cluster.members[2]!.endpoint, '--address', '127.0.0.1', '--port', String(web2.port),
      '--tag', 'v2', '--check-http', web2.url, '--interval', '300ms', '--timeout', '2s']);
    expect(cli.stderr).toBe('');
    // db-1 reports on itself with a TTL check, and says it is lagging.
    await put(member(2), '/v1/agent/service/register', { Name: 'db', ID: 'db-1', Address: '127.0.0.1', Port: 5432, Check: { CheckID: 'db-1-ttl', TTL: '30s' } });
    await put(member(0), '/v1/agent/check/warn/db-1-ttl?note=replica%20lag%203s');

    open = await openConsole(browser, `${member(0)}/ui/#/services/web`);
    const { page } = open;
    await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
    await expect.poll(() => counts(page, 'web'), { timeout: 10_000 }).toEqual(['2', '0', '0']);
    expect(await counts(page, 'db')).toEqual(['0', '1', '0']);

    const card = instanceCard(page, 'web-1');
    const text = await card.innerText();
    expect(text).toContain(`127.0.0.1:${web1.port}`);
    expect(text).toContain('persistent');
    expect(text).toContain('passing 3 · warning 1');
    expect(text).toContain('v1');
    expect(text).toContain('zone=a');
    expect(text).toContain(`HTTP GET ${web1.url}: 200 OK`);
    await card.getByRole('list', { name: 'State changes of web-1 http' }).getByText('critical → passing').waitFor();
  }, 40_000);

  it('turns an instance critical when its server stops, and passing when it is back, with both changes in its timeline', async () => {
    const { page } = open;
    const card = instanceCard(page, 'web-1');
    const badge = card.locator('h3 .badge');
    await web1.stop();
    await expect.poll(() => badge.innerText(), { timeout: 10_000 }).toBe('critical');
    await expect.poll(() => counts(page, 'web')).toEqual(['1', '0', '1']);
    const timeline = card.getByRole('list', { name: 'State changes of web-1 http' });
    const newest = timeline.locator('li').first();
    expect(await newest.innerText()).toMatch(/passing → critical[\s\S]*ECONNREFUSED/);
    // Only the critical ones, as an operator looking for trouble picks them.
    await page.getByLabel('Show').selectOption('critical');
    await expect.poll(() => page.locator('article[data-instance]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-instance')))).toEqual(['web-1']);
    await page.getByLabel('Show').selectOption('all');

    await web1.start();
    await expect.poll(() => badge.innerText(), { timeout: 10_000 }).toBe('passing');
    await expect.poll(() => newest.innerText()).toMatch(/critical → passing[\s\S]*200 OK/);
    // Registered critical → passing → critical → passing: every change is there, newest first.
    const changes = (await timeline.locator('.svc-change').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(changes.slice(0, 3)).toEqual(['critical → passing', 'passing → critical', 'critical → passing']);
    await expect.poll(() => counts(page, 'web')).toEqual(['2', '0', '0']);
    await screenshot(page, 'services-light');
  }, 30_000);

  it('shows what etcdctl writes into the registry without a reload: a setting, an instance and its removal', async () => {
    const { page } = open;
    const put = await etcdctl(cluster.endpoints, ['put', '/lodestone/service-settings/web', '{"protectThreshold": 0.5}']);
    expect(put.code).toBe(0);
    await page.getByText('Protect threshold 0.5').waitFor({ timeout: 10_000 });
    // Any etcd client may write an instance; the page reads it as the members do ("host" for "address").
    expect((await etcdctl(cluster.endpoints, ['put', '/lodestone/services/web/web-3', '{"host":"10.0.0.3","port":8080,"tags":["hand-made"]}'])).code).toBe(0);
    const card = instanceCard(page, 'web-3');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.innerText()).toMatch(/10\.0\.0\.3:8080[\s\S]*hand-made[\s\S]*No checks/);
    expect(await counts(page, 'web')).toEqual(['3', '0', '0']);
    expect((await etcdctl(cluster.endpoints, ['del', '/lodestone/services/web/web-3'])).code).toBe(0);
    await card.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await counts(page, 'web')).toEqual(['2', '0', '0']);
  }, 30_000);

  it("draws the consumers discover() records as a dependency graph, with a table of its edges", async () => {
    client = await connect({ endpoints: cluster.endpoints });
    // checkout is an ephemeral instance: on its process's lease, as the client's register() makes it.
    const checkout = await register(client, 'checkout', 'checkout-1', { ttl: 10, address: '127.0.0.1', port: 9090, tags: ['canary'] });
    closers.push(() => checkout.close());
    // gateway discovers checkout (two processes of it), checkout discovers web, web discovers db,
    // cache and — closing a cycle — checkout.
    const edges = [['web', 'checkout'], ['db', 'web'], ['cache', 'web'], ['checkout', 'web'], ['checkout', 'gateway'], ['checkout', 'gateway']] as const;
    for (const [service, consumer] of edges) {
      const d = await discover(client, service, { consumer });
      closers.push(() => d.close());
    }
    const { page } = open;
    await page.getByRole('link', { name: 'Dependency graph' }).click();
    const graph = page.getByRole('group', { name: /Dependency graph/ });
    await graph.getByRole('link', { name: 'gateway: no instances' }).waitFor({ timeout: 10_000 });
    await graph.getByRole('link', { name: 'checkout: 1/1 passing' }).waitFor();
    await graph.getByRole('link', { name: 'web: 2/2 passing' }).waitFor();
    await graph.getByRole('link', { name: 'db: 0/1 passing' }).waitFor();
    expect(await graph.getByRole('link', { name: /^db:/ }).getAttribute('class')).toBe('svc-node warning');
    const rows = await page.locator('table[aria-labelledby="svc-edges-heading"] tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t').slice(0, 3).join(' '))).toEqual(['checkout web 1', 'gateway checkout 2', 'web cache 1', 'web checkout (cycle) 1', 'web db 1']);
    expect(await graph.locator('.svc-edge.back').count()).toBe(1);
    // Consumers left of what they discover: gateway, then checkout, then web, then db.
    const x = async (name: string): Promise<number> => Number(await graph.getByRole('link', { name: new RegExp(`^${name}:`) }).locator('rect').getAttribute('x'));
    const xs = await Promise.all(['gateway', 'checkout', 'web', 'db'].map(x));
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(new Set(xs).size).toBe(4);
    await screenshot(page, 'services-graph');

    // A node is a link to its service, reached with the keyboard.
    await graph.getByRole('link', { name: /^checkout:/ }).focus();
    await page.keyboard.press('Enter');
    const card = instanceCard(page, 'checkout-1');
    await card.waitFor();
    expect(await card.innerText()).toMatch(new RegExp(`ephemeral \\(lease ${checkout.lease!.id.toString(16)}\\)`));
  }, 30_000);

  it('deregisters an instance after confirmation, as Consul’s API then sees it', async () => {
    const { page } = open;
    await page.goto(`${member(0)}/ui/#/services/web`);
    await instanceCard(page, 'web-2').getByRole('button', { name: 'Deregister web-2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deregister web/web-2?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await instanceCard(page, 'web-2').count()).toBe(1);
    await instanceCard(page, 'web-2').getByRole('button', { name: 'Deregister web-2' }).click();
    await dialog.getByRole('button', { name: 'Deregister web-2' }).click();
    await instanceCard(page, 'web-2').waitFor({ state: 'detached' });
    await expect.poll(() => counts(page, 'web')).toEqual(['1', '0', '0']);
    const catalog = await eventually('web-2 gone from the catalog of another member', async () => {
      const { body } = await consulJson<CatalogEntry[]>(member(2), '/v1/catalog/service/web');
      return body.some((e) => e.ServiceID === 'web-2') ? undefined : body;
    }, 10_000);
    expect(catalog.map((e) => e.ServiceID)).toEqual(['web-1']);
    expect(open.problems).toEqual([]);
    await open.context.close();
  }, 20_000);

  it('reads well in the dark theme', async () => {
    const dark = await openConsole(browser, `${member(1)}/ui/#/services/web`, { colorScheme: 'dark' });
    await instanceCard(dark.page, 'web-1').getByRole('list', { name: 'State changes of web-1 http' }).locator('li').nth(2).waitFor({ timeout: 10_000 });
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(dark.page, 'services-dark');
    expect(dark.problems).toEqual([]);
    await dark.context.close();
  }, 20_000);

  it('keeps following after the history it replays was compacted, and says from where it has it', async () => {
    const status = await gateway(member(0), 'kv/range', { key: b64('/lodestone/') , limit: 1 });
    const revision = Number((status['header'] as { revision: string }).revision);
    await gateway(member(0), 'kv/compaction', { revision: String(revision), physical: true });
    const { page, problems, context } = await openConsole(browser, `${member(2)}/ui/#/services/web`);
    await page.getByText(`history before revision ${revision} was compacted`).waitFor({ timeout: 10_000 });
    const card = instanceCard(page, 'web-1');
    const timeline = card.getByRole('list', { name: 'State changes of web-1 http' });
    // Only the state there is now is left of the history.
    const entries = (await timeline.locator('li').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/state passing HTTP GET .*: 200 OK rev \d+/);
    await web1.stop();
    await timeline.getByText('passing → critical').waitFor({ timeout: 10_000 });
    await web1.start();
    await timeline.getByText('critical → passing').waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await context.close();
  }, 30_000);

  it('picks up again when the member it reads from restarts, with what changed meanwhile', async () => {
    const { page, problems, context } = await openConsole(browser, `${member(2)}/ui/#/services/web`);
    const status = page.locator('.svc-title');
    await status.getByText(/^live/).waitFor({ timeout: 10_000 });
    const badge = instanceCard(page, 'web-1').locator('h3 .badge');
    expect(await badge.innerText()).toBe('passing');
    await cluster.stop(2);
    await status.getByText('reconnecting…').waitFor({ timeout: 10_000 });
    // The other members run web-1's check now, and record its server stopping.
    await web1.stop();
    await eventually('web-1 critical on member 0', async () => {
      const { body } = await consulJson<{ Checks: { Status: string }[] }[]>(member(0), '/v1/health/service/web');
      return body[0]?.Checks[0]?.Status === 'critical' ? true : undefined;
    }, 10_000);
    cluster.restart(2);
    await cluster.waitReady();
    await expect.poll(() => badge.innerText(), { timeout: 15_000 }).toBe('critical');
    await status.getByText(/^live/).waitFor();
    await web1.start();
    await expect.poll(() => badge.innerText(), { timeout: 10_000 }).toBe('passing');
    // The browser logs the watch's stream cut off, each refused connection while the member was
    // down and the 503 of a read while it was starting: those, and nothing else.
    expect(problems.filter((p) => !/net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)|status of 503/.test(p))).toEqual([]);
    await context.close();
  }, 45_000);
});

describe.skipIf(!browserCheck.run)('the Services page with auth on', () => {
  beforeAll(async () => {
    const base = member(0);
    await enableAuth(base, [
      { name: 'viewer', password: 'viewer-pw', roles: [{ name: 'registry-reader', grants: [['READ', '/lodestone/']] }] },
      { name: 'stranger', password: 'stranger-pw' },
    ]);
  }, 30_000);

  async function signIn(user: string, password: string): Promise<ConsolePage> {
    const open = await openConsole(browser, `${member(0)}/ui/#/services/web`);
    await open.page.getByLabel('User').fill(user);
    await open.page.getByLabel('Password').fill(password);
    await open.page.getByRole('button', { name: 'Sign in' }).click();
    await open.page.getByRole('button', { name: 'Sign out' }).waitFor();
    return open;
  }

  it('shows a reader the instances but offers no deregistration; root gets it', async () => {
    const viewer = await signIn('viewer', 'viewer-pw');
    const card = instanceCard(viewer.page, 'web-1');
    await card.getByRole('list', { name: 'State changes of web-1 http' }).waitFor({ timeout: 10_000 });
    expect(await card.getByRole('button', { name: /Deregister/ }).count()).toBe(0);
    expect(viewer.problems).toEqual([]);
    await viewer.context.close();

    const root = await signIn('root', 'root-pw');
    await instanceCard(root.page, 'web-1').getByRole('button', { name: 'Deregister web-1' }).waitFor({ timeout: 10_000 });
    expect(root.problems).toEqual([]);
    await root.context.close();
  }, 30_000);

  it('tells a user who may not read the registry so, and reads nothing', async () => {
    const stranger = await signIn('stranger', 'stranger-pw');
    await stranger.page.getByRole('alert').getByText("You may not read the service registry's keys").waitFor();
    expect(await stranger.page.locator('article[data-instance]').count()).toBe(0);
    expect(stranger.problems).toEqual([]);
    await stranger.context.close();
  }, 20_000);
});
