// The console's Configuration page on a real three-member cluster, driven in Debian's chromium as a
// user drives it: a namespace made and published in the console is read back by `lodestone config
// get` and the HTTP API of another member, and the page follows a publish made elsewhere without a
// reload; a draft the schema refuses shows its violations before anything is published; the diff of
// two releases shows the changed item line by line; a rollback confirmed in the console reaches a
// program run by `lodestone exec`; a gray release by label shows the instance it reaches, and the
// instances view shows who runs which release.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { connect } from '../../index.js';
import { enableAuth } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { runConfig } from '../cli/config-runner.js';
import { call } from '../configcenter/config-http.js';
import { ConfigPublisher } from '../configcenter/config-publisher.js';
import { ENV_CHILD, ExecRun } from '../configcenter/exec-runner.js';
import { browserCheck, launchBrowser, openConsole, screenshot, type ConsolePage } from './support/browser.js';

let cluster: TestCluster;
let browser: Browser;
let publisher: ConfigPublisher;
let cacheDir: string;
const runs: ExecRun[] = [];
const opened: ConsolePage[] = [];

/** The console of member 1, on a view of the Configuration page. */
async function open(hash: string, colorScheme: 'light' | 'dark' = 'light'): Promise<ConsolePage> {
  const c = await openConsole(browser, `${cluster.members[0]!.clientUrl}/ui/${hash}`, { colorScheme });
  opened.push(c);
  await c.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Configuration' }).waitFor();
  return c;
}

const exec = (ns: string, instance: string, labels?: string): ExecRun => {
  const run = new ExecRun([
    '--endpoints', cluster.members[0]!.endpoint, '--cache-dir', cacheDir, '--instance', instance, '--config', ns,
    ...(labels ? ['--labels', labels] : []), '--kill-timeout', '2s', '--', process.execPath, ENV_CHILD, 'GREETING',
  ]);
  runs.push(run);
  return run;
};

const itemsOn = async (member: number, ns: string, release = 'current'): Promise<{ release: number; items: Record<string, { value: string }> }> =>
  (await call<{ release: number; items: Record<string, { value: string }> }>(cluster.members[member]!.clientUrl, 'GET', `/${ns}/items?release=${release}`)).body;

/** The text of the namespace page's summary line. */
const summary = (page: Page): Promise<string> => page.locator('.config-summary').innerText();

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, logLevel: 'warn', readyTimeoutMs: 60_000 });
  publisher = new ConfigPublisher(cluster.members.slice(1).map((m) => m.clientUrl));
  cacheDir = await mkdtemp(join(tmpdir(), 'console-config-'));
  if (browserCheck.run) browser = await launchBrowser();
}, 90_000);

afterEach(async () => {
  for (const c of opened.splice(0)) await c.context.close();
  for (const r of runs.splice(0)) await r.destroy();
});

afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('the validate route', () => {
  it('answers the schema check a publish would make, without publishing', async () => {
    const ns = 'validated/default/default';
    await publisher.publish(ns, { limit: '10' });
    await publisher.request('PUT', ns, '/schema', { schema: { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } } });
    await publisher.setDraft(ns, { limit: '500' });
    const member = cluster.members[0]!.clientUrl;
    const draft = await call(member, 'GET', `/${ns}/validate`);
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({ release: 'draft', hasSchema: true, valid: false, errors: [{ path: '/limit', message: 'must be <= 100' }] });
    expect((await call(member, 'GET', `/${ns}/validate?release=1`)).body).toMatchObject({ release: 1, valid: true, errors: [] });
    // Nothing was published: the draft's 500 is still only in the draft.
    expect((await itemsOn(1, ns)).items['limit']?.value).toBe('10');
    expect((await call(member, 'GET', `/${ns}/validate?release=nine`)).status).toBe(400);
    // The admin client asks the same route.
    const client = await connect({ endpoints: [cluster.members[1]!.endpoint] });
    try {
      expect(await client.configCenter.validate('validated')).toMatchObject({ valid: false, errors: [{ path: '/limit' }] });
      expect(await client.configCenter.validate('validated', 1)).toMatchObject({ release: 1, valid: true });
    } finally {
      await client.close();
    }
  });
});

describe.skipIf(!browserCheck.run)('the Configuration page', () => {
  it('creates a namespace, publishes it, and the CLI and another member read it back; a publish made elsewhere shows without reload', async () => {
    const { page, problems } = await open('#/config');
    await page.getByLabel('Namespace', { exact: true }).fill('shop');
    await page.getByLabel('First item').fill('max_connections');
    await page.getByLabel('Its value').fill('100');
    await page.getByRole('button', { name: 'Create namespace' }).click();
    await page.getByRole('heading', { name: 'shop/default/default' }).waitFor();
    await page.getByRole('row', { name: /max_connections/ }).waitFor();

    await page.getByRole('button', { name: 'Add item' }).click();
    await page.getByLabel('Item', { exact: true }).fill('timeout');
    await page.getByLabel('Value').fill('5s');
    await page.getByRole('button', { name: 'Save to the draft' }).click();
    await page.getByRole('row', { name: /timeout/ }).waitFor();
    await page.getByLabel('Message').fill('first cut');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published release 1.' }).waitFor();
    // An item added to the draft and deleted again never reaches it.
    await page.getByRole('button', { name: 'Add item' }).click();
    await page.getByLabel('Item', { exact: true }).fill('scratch');
    await page.getByRole('button', { name: 'Save to the draft' }).click();
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    await eventually('scratch gone from the draft', async () => ('scratch' in (await itemsOn(1, 'shop/default/default', 'draft')).items ? undefined : true));
    await page.getByText('the draft is published').waitFor();

    const got = await runConfig(['get', 'shop', '-w', 'json', '--endpoints', cluster.members[2]!.clientUrl]);
    expect(got.stderr).toBe('');
    const read = JSON.parse(got.stdout) as { release: number; items: Record<string, { value: string }> };
    expect([read.release, read.items['max_connections']?.value, read.items['timeout']?.value]).toEqual([1, '100', '5s']);
    const history = await call<{ releases: { message: string; author: string }[] }>(cluster.members[1]!.clientUrl, 'GET', '/shop/default/default/releases');
    expect(history.body.releases).toMatchObject([{ message: 'first cut', author: 'anonymous' }]);

    // Someone else publishes: the page follows without a reload.
    await publisher.publish('shop/default/default', { max_connections: '200', timeout: '5s' });
    await eventually('release 2 on the page', async () => ((await summary(page)).includes('release 2 runs') ? true : undefined), 10_000);
    await page.getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('row', { name: /^2 current/ }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shows the schema violations of the draft before publishing, and publishes nothing it refuses', async () => {
    const ns = 'limits/default/default';
    await publisher.publish(ns, { max_connections: '100' });
    const schema = { type: 'object', properties: { max_connections: { type: 'integer', minimum: 1, maximum: 1000 } }, required: ['max_connections'] };
    const { page, problems } = await open(`#/config/${ns}?view=schema`);
    await page.getByLabel('JSON Schema').fill(JSON.stringify(schema, null, 2));
    await page.getByRole('button', { name: 'Save schema' }).click();
    await page.getByRole('status').filter({ hasText: 'Schema saved' }).waitFor();
    expect((await call<{ schema: unknown }>(cluster.members[2]!.clientUrl, 'GET', `/${ns}/schema`)).body.schema).toEqual(schema);

    await page.getByRole('link', { name: 'Draft' }).click();
    await page.getByRole('button', { name: 'Edit max_connections' }).click();
    await page.getByLabel('Value').fill('5000');
    await page.getByRole('button', { name: 'Save to the draft' }).click();
    const alert = page.getByRole('alert', { name: 'Schema violations' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('/max_connections must be <= 1000');
    await screenshot(page, 'config-schema-refusal');
    await page.getByLabel('Message').fill('too many');
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true);
    expect((await itemsOn(2, ns)).items['max_connections']?.value).toBe('100');

    // Fixed in the draft: the check passes and the publish goes through.
    await page.getByRole('button', { name: 'Edit max_connections' }).click();
    await page.getByLabel('Value').fill('300');
    await page.getByRole('button', { name: 'Save to the draft' }).click();
    await page.getByText('passes the schema').waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published release 2.' }).waitFor();
    expect(await itemsOn(1, ns)).toMatchObject({ release: 2, items: { max_connections: { value: '300' } } });
    expect(problems).toEqual([]);
  });

  it('shows the diff of two releases side by side, the changed item line by line', async () => {
    const ns = 'web/prod/default';
    const settings = (workers: number, level: string): string => JSON.stringify({ listen: ':8080', workers, log: { level, format: 'json' } }, null, 2);
    await publisher.publish(ns, { settings: { value: settings(4, 'info'), format: 'json' }, region: 'eu' });
    await publisher.publish(ns, { settings: { value: settings(8, 'debug'), format: 'json' }, region: 'eu', owner: 'ops' });
    const { page, problems } = await open(`#/config/${ns}?view=releases`);
    await page.getByLabel('Compare', { exact: true }).selectOption('1');
    await page.getByLabel('with', { exact: true }).selectOption('2');
    await page.getByRole('button', { name: 'Show the diff' }).click();
    await page.getByRole('heading', { name: 'release 1 → release 2: 2 items changed' }).waitFor();
    const changed = page.getByRole('region', { name: 'settings changed' });
    expect(await changed.locator('td.diff-del').allInnerTexts()).toEqual(['3', '−  "workers": 4,', '5', '−    "level": "info",']);
    expect(await changed.locator('td.diff-add').allInnerTexts()).toEqual(['3', '+  "workers": 8,', '5', '+    "level": "debug",']);
    await page.getByRole('region', { name: 'owner added' }).waitFor();
    expect(await page.getByRole('region', { name: /region/ }).count()).toBe(0);
    await screenshot(page, 'config-diff');
    expect(problems).toEqual([]);
  });

  it('rolls back after a confirmation, and the program lodestone exec runs gets the old value', async () => {
    const ns = 'greeter/default/default';
    await publisher.publish(ns, { greeting: 'hello' });
    await publisher.publish(ns, { greeting: 'hi' });
    const run = exec(ns, 'greeter-1');
    await run.waitFor(/^start \d+ GREETING=hi$/);

    const { page, problems } = await open(`#/config/${ns}?view=releases`);
    await page.getByRole('button', { name: 'Roll back to release 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back' });
    await dialog.getByText('greeting changed').waitFor();
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await itemsOn(1, ns)).release).toBe(2);

    await page.getByRole('button', { name: 'Roll back to release 1' }).click();
    await dialog.getByLabel('Message').fill('hi was too casual');
    await screenshot(page, 'config-rollback');
    await dialog.getByRole('button', { name: 'Roll back to release 1' }).click();
    await page.getByRole('row', { name: /^3 current rollback to 1 hi was too casual/ }).waitFor();
    await run.waitFor(/^start \d+ GREETING=hello$/);
    expect(await itemsOn(2, ns)).toMatchObject({ release: 3, items: { greeting: { value: 'hello' } } });
    expect(problems).toEqual([]);
  });

  it('starts a gray release by label that reaches the matching instance, shows who runs what, and promotes it', async () => {
    const ns = 'checkout/default/default';
    await publisher.publish(ns, { greeting: 'v1' });
    const canary = exec(ns, 'checkout-canary', 'canary=true');
    const stable = exec(ns, 'checkout-stable', 'canary=false');
    await canary.waitFor(/GREETING=v1$/);
    await stable.waitFor(/GREETING=v1$/);
    await publisher.setDraft(ns, { greeting: 'v2' });

    const { page, problems } = await open(`#/config/${ns}?view=gray`);
    await page.getByLabel('Labels').fill('canary=true');
    await page.getByLabel('Message', { exact: true }).fill('try v2 on canaries');
    await page.getByRole('button', { name: 'Start gray release' }).click();
    await page.getByRole('heading', { name: 'Gray release 2 under way' }).waitFor();
    await canary.waitFor(/GREETING=v2$/);
    const reached = page.getByRole('table', { name: /Instances it reaches/ });
    await reached.getByRole('row', { name: /checkout-canary canary=true release 2 up to date/ }).waitFor();
    expect(await reached.getByRole('row', { name: /checkout-stable/ }).count()).toBe(0);
    await screenshot(page, 'config-gray');

    await page.getByRole('link', { name: 'Instances' }).click();
    const perRelease = page.getByRole('table', { name: 'Instances per release' });
    await perRelease.getByRole('row', { name: /^2 gray 1 0$/ }).waitFor();
    await perRelease.getByRole('row', { name: /^1 current 1 0$/ }).waitFor();
    const instances = page.getByRole('table', { name: 'Instances', exact: true });
    await instances.getByRole('row', { name: /^checkout-stable 1 applied 1 yes exec canary=false/ }).waitFor();
    await screenshot(page, 'config-light');

    await page.getByRole('link', { name: 'Gray release' }).click();
    await page.getByRole('button', { name: 'Promote to every instance' }).click();
    await stable.waitFor(/GREETING=v2$/);
    expect(await itemsOn(1, ns)).toMatchObject({ release: 3, items: { greeting: { value: 'v2' } } });
    await page.getByText('The last gray release, 2, was promoted as release 3').waitFor();
    await page.getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('row', { name: /^3 current promote of 2/ }).waitFor();
    expect(await page.getByRole('row', { name: /^2 gray canary=true try v2 on canaries/ }).count()).toBe(1);
    await screenshot(page, 'config-releases');
    expect(problems).toEqual([]);
  });

  it('abandons a gray release only once the user confirms, and its instance goes back to the current release', async () => {
    const ns = 'cart/default/default';
    await publisher.publish(ns, { greeting: 'v1' });
    const canary = exec(ns, 'cart-canary', 'canary=true');
    await canary.waitFor(/GREETING=v1$/);
    await publisher.setDraft(ns, { greeting: 'v2' });

    const { page, problems } = await open(`#/config/${ns}?view=gray`);
    await page.getByLabel('Labels').fill('canary=true');
    await page.getByRole('button', { name: 'Start gray release' }).click();
    await page.getByRole('heading', { name: 'Gray release 2 under way' }).waitFor();
    await canary.waitFor(/GREETING=v2$/);

    await page.getByLabel('Abandon reason').fill('v2 is slow');
    await page.getByRole('button', { name: 'Abandon', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Abandon gray release 2' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForTimeout(500);
    expect((await call<{ gray: unknown }>(cluster.members[2]!.clientUrl, 'GET', `/${ns}`)).body.gray).not.toBeNull();

    await page.getByRole('button', { name: 'Abandon', exact: true }).click();
    await dialog.getByRole('button', { name: 'Abandon it' }).click();
    await canary.waitFor(/GREETING=v1$/);
    await eventually('the gray release to have ended', async () => ((await call<{ gray: unknown }>(cluster.members[2]!.clientUrl, 'GET', `/${ns}`)).body.gray === null ? true : undefined), 10_000);
    expect(problems).toEqual([]);
  });

  it('looks right in the dark theme', async () => {
    const { page, problems } = await open('#/config/shop/default/default', 'dark');
    await page.getByRole('button', { name: 'Edit timeout' }).click();
    await page.getByLabel('Value').fill('30s');
    await page.getByRole('button', { name: 'Save to the draft' }).click();
    await page.getByRole('row', { name: /timeout text 30s changed/ }).waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(page, 'config-dark');
    await page.goto(`${cluster.members[0]!.clientUrl}/ui/#/config`);
    await page.getByRole('row', { name: /shop\/default\/default 2/ }).waitFor();
    await screenshot(page, 'config-list-dark');
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!browserCheck.run)('the Configuration page with auth on', () => {
  const member = (): string => cluster.members[0]!.clientUrl;
  beforeAll(async () => {
    await enableAuth(member(), [{ name: 'viewer', password: 'viewer-pw', roles: [{ name: 'config-reader', grants: [['READ', '/lodestone/']] }] }]);
  }, 30_000);

  it('offers a reader no write control, and the server refuses the reader a write anyway', async () => {
    const c = await openConsole(browser, `${member()}/ui/#/config/greeter/default/default?view=releases`);
    opened.push(c);
    const { page, problems } = c;
    await page.getByLabel('User').fill('viewer');
    await page.getByLabel('Password').fill('viewer-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('row', { name: /^3 current rollback to 1/ }).waitFor();
    expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Draft' }).click();
    await page.getByRole('row', { name: /greeting/ }).waitFor();
    expect(await page.getByRole('button', { name: /Add item|Edit|Delete|Publish/ }).count()).toBe(0);
    await page.getByText('You may not publish this namespace.').waitFor();
    await page.getByRole('link', { name: 'Schema' }).click();
    expect(await page.getByLabel('JSON Schema').getAttribute('readonly')).not.toBeNull();
    await page.getByRole('link', { name: 'Configuration', exact: true }).first().click();
    await page.getByRole('row', { name: /greeter\/default\/default 3/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Create namespace' }).count()).toBe(0);

    const token = String(await page.evaluate('sessionStorage.getItem("lodestone.token")'));
    const refused = await call(member(), 'PUT', '/greeter/default/default/items/greeting', { value: 'yo' }, { Authorization: token });
    expect([refused.status, (refused.body as { error: { code: string } }).error.code]).toEqual([403, 'CONFIG_PERMISSION_DENIED']);
    expect(problems).toEqual([]);
  });
});
