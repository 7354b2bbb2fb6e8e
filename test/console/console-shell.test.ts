// The console's shell on a real member: the files under /ui/ with their security headers, its own
// port (--listen-console-urls), and in Debian's chromium the sign-in page when auth is on, the
// session's user and permissions, and the light and dark themes — with no page error and nothing
// the Content-Security-Policy refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePorts } from '../support/free-ports.js';
import { enableAuth } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { b64, gateway } from '../support/consul-http.js';
import { browserCheck, launchBrowser, openConsole, screenshot } from './support/browser.js';

let cluster: TestCluster;
let base: string;
let consoleUrl: string;
let browser: Browser;

beforeAll(async () => {
  const [consolePort] = await freePorts(1);
  consoleUrl = `http://127.0.0.1:${consolePort!}`;
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 1, extraArgs: [`--listen-console-urls=${consoleUrl}`] });
  base = cluster.members[0]!.clientUrl;
  if (browserCheck.run) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
});

describe("the console's files", () => {
  it('serves the page at /ui/ with a strict Content-Security-Policy, and /ui without the slash leads there', async () => {
    const page = await fetch(`${base}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<script type="module" src="/ui/app.js">');
    const bare = await fetch(`${base}/ui`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/ui/']);
  });

  it('serves Preact, its hooks and htm from the member itself', async () => {
    for (const name of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) {
      const r = await fetch(`${base}/ui/vendor/${name}`);
      expect(r.status, name).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await r.text()).length, name).toBeGreaterThan(1000);
    }
  });

  it('answers 304 to a matching ETag, 404 with a JSON error for no such file, and never leaves its folder', async () => {
    const first = await fetch(`${base}/ui/app.js`);
    const etag = first.headers.get('etag')!;
    expect((await fetch(`${base}/ui/app.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const missing = await fetch(`${base}/ui/nothing.js`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: { code: 'CONSOLE_NOT_FOUND', message: 'no console file nothing.js' } }]);
    for (const path of ['/ui/..%2fpackage.json', '/ui/%2e%2e/%2e%2e/etc/passwd.js', '/ui/vendor/..%2f..%2fpackage.json']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).toBe(404);
    }
    const post = await fetch(`${base}/ui/app.js`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('has a port of its own with --listen-console-urls: / leads to the console, and the APIs it calls answer there', async () => {
    const root = await fetch(`${consoleUrl}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([301, '/ui/']);
    expect((await fetch(`${consoleUrl}/ui/`)).status).toBe(200);
    const put = await gateway(consoleUrl, 'kv/put', { key: b64('console/port'), value: b64('yes') });
    expect(put['header']).toBeDefined();
    expect(await (await fetch(`${consoleUrl}/health`)).json()).toEqual({ health: 'true' });
  });

  it('says over /ui/api/session that auth is off', async () => {
    expect(await (await fetch(`${base}/ui/api/session`)).json()).toEqual({ authEnabled: false, member: 'infra1' });
    const unknown = await fetch(`${base}/ui/api/nothing`);
    expect([unknown.status, ((await unknown.json()) as { error: { code: string } }).error.code]).toEqual([404, 'CONSOLE_NOT_FOUND']);
  });
});

describe.skipIf(!browserCheck.run)('the console in a browser', () => {
  it('loads with no page error, in the light theme and in the dark one, and keeps the one chosen', async () => {
    const { page, problems, context } = await openConsole(browser, `${base}/ui/`);
    await page.getByText('member infra1').waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('light');
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    // The theme is set when the page re-renders after the click, not during it: wait for it.
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached', timeout: 5000 });
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.reload();
    await page.getByText('member infra1').waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!browserCheck.run)('the console with auth on', () => {
  beforeAll(async () => {
    await enableAuth(base, [{ name: 'alice', password: 'alice-pw', roles: [{ name: 'app-reader', grants: [['READ', 'app/']] }] }]);
  }, 30_000);

  it('asks to sign in, says why a wrong password fails, and signs the user in with the right one', async () => {
    const { page, problems, context } = await openConsole(browser, `${base}/ui/`);
    await page.getByRole('heading', { name: 'Sign in to Lodestone' }).waitFor();
    await screenshot(page, 'login');
    await page.getByLabel('User').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('authentication failed, invalid user ID or password');
    await page.getByLabel('Password').fill('alice-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('header .who').textContent()).toContain('alice');
    const token = await page.evaluate('sessionStorage.getItem("lodestone.token")');
    const session: unknown = await (await fetch(`${base}/ui/api/session`, { headers: { Authorization: String(token) } })).json();
    expect(session).toEqual({ authEnabled: true, member: 'infra1', user: 'alice', roles: ['app-reader'], root: false, permissions: [{ type: 'read', key: 'app/', rangeEnd: 'app0' }] });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Lodestone' }).waitFor();
    // The refused sign-in is the one error the page logged: the browser reports the gateway's 400
    // (etcd's "authentication failed" is InvalidArgument).
    expect(problems).toEqual(['console error: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await context.close();
  });

  it('takes a stale token for no sign-in at all', async () => {
    expect(await (await fetch(`${base}/ui/api/session`, { headers: { Authorization: 'forged.token' } })).json()).toEqual({ authEnabled: true, member: 'infra1', user: null });
  });
});
