// The Leases & watchers page on a real 3-member Lodestone, in Debian's chromium: a lease etcdctl
// grants and attaches a key to appears by itself with its key and a falling TTL; revoking it on the
// page deletes the key as etcdctl sees; a lease granted on the page is one etcdctl lists; and a
// watch etcdctl opens on a member shows in that member's watcher count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { TestCluster } from '../support/cluster.js';
import { etcdctl, spawnEtcdctl, stopAllEtcdctl } from '../compat/etcdctl-runner.js';
import { browserCheck, launchBrowser, openConsole, screenshot, type ConsolePage } from './support/browser.js';

let cluster: TestCluster;
let browser: Browser;
let opened: ConsolePage;

const ctl = async (args: string[]): Promise<string> => {
  const r = await etcdctl(cluster.endpoints, args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

/** "lease 694d7c1b2a3e4f05 granted with TTL(30s)" → the hex ID. */
async function grantWithEtcdctl(ttl: number): Promise<string> {
  const out = await ctl(['lease', 'grant', String(ttl)]);
  const m = /lease ([0-9a-f]+) granted/.exec(out);
  expect(m, out).not.toBeNull();
  return m![1]!;
}

const ttlLeftOnPage = async (page: Page, hex: string): Promise<number> => Number.parseInt((await page.locator(`tr[data-lease="${hex}"] [data-testid="ttl-left"]`).textContent()) ?? '', 10);

const watchersOnPage = async (page: Page, member: string): Promise<number> => Number(await page.locator(`table.watchers tr[data-member="${member}"] [data-testid="watchers"]`).textContent());

/** Polls what the page shows until `ok` holds of it; fails with the last value after `limitMs`. */
async function untilShown(read: () => Promise<number>, ok: (n: number) => boolean, limitMs = 10_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const n = await read();
    if (ok(n)) return n;
    if (Date.now() > deadline) throw new Error(`the page still shows ${n} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
  if (browserCheck.run) {
    browser = await launchBrowser();
    opened = await openConsole(browser, `${cluster.members[0]!.clientUrl}/ui/#/leases`);
  }
}, 60_000);

afterAll(async () => {
  await stopAllEtcdctl();
  await opened?.context.close();
  await browser?.close();
  await cluster?.destroy();
});

describe.skipIf(!browserCheck.run)('the Leases & watchers page', () => {
  it('shows a lease etcdctl grants, live, with its key and a TTL that falls', async () => {
    const { page } = opened;
    await page.getByRole('heading', { name: 'Leases & watchers', level: 1 }).waitFor();
    await page.getByText('No leases.').waitFor();
    const hex = await grantWithEtcdctl(60);
    await ctl(['put', 'app/session', 'alive', `--lease=${hex}`]);
    const lease = page.locator(`tr[data-lease="${hex}"]`);
    await lease.getByRole('listitem').filter({ hasText: 'app/session' }).waitFor();
    await expect(lease.locator('td').first().textContent()).resolves.toBe('60 s');
    const first = await ttlLeftOnPage(page, hex);
    expect(first).toBeGreaterThan(50);
    expect(first).toBeLessThanOrEqual(60);
    await untilShown(() => ttlLeftOnPage(page, hex), (n) => n <= first - 2);
    await page.locator('table.watchers tr[data-member="infra3"] [data-testid="watchers"]').waitFor();
    await screenshot(page, 'leases-light');
  });

  it("revokes a lease after the user confirms: its key is gone as etcdctl sees", async () => {
    const { page } = opened;
    const hex = await grantWithEtcdctl(300);
    await ctl(['put', 'app/doomed', 'soon', `--lease=${hex}`]);
    await page.locator(`tr[data-lease="${hex}"]`).getByRole('listitem').filter({ hasText: 'app/doomed' }).waitFor();
    await page.getByRole('button', { name: `Revoke lease ${hex}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke lease ${hex}?` });
    await expect(dialog.textContent()).resolves.toContain('app/doomed');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await ctl(['get', 'app/doomed'])).toBe('');
    expect(await ctl(['lease', 'list'])).not.toContain(hex);
    await page.locator(`tr[data-lease="${hex}"]`).waitFor({ state: 'detached' });
  });

  it('grants a lease that etcdctl then lists with the TTL asked for', async () => {
    const { page } = opened;
    await page.getByLabel('TTL (seconds)').fill('120');
    await page.getByRole('button', { name: 'Grant lease' }).click();
    const said = (await page.getByRole('status').filter({ hasText: 'Granted lease' }).textContent()) ?? '';
    const hex = /Granted lease ([0-9a-f]+)/.exec(said)?.[1];
    expect(hex, said).toBeDefined();
    expect(await ctl(['lease', 'list'])).toContain(hex!);
    expect(await ctl(['lease', 'timetolive', hex!])).toMatch(new RegExp(`lease ${hex!} granted with TTL\\(120s\\)`));
    await page.locator(`tr[data-lease="${hex!}"]`).getByText('no keys').waitFor();
  });

  it("counts a watch etcdctl opens on a member in that member's watchers, and not once it ends", async () => {
    const { page } = opened;
    const before = await watchersOnPage(page, 'infra2');
    const watch = spawnEtcdctl([cluster.members[1]!.endpoint], ['watch', 'app/', '--prefix']);
    await untilShown(() => watchersOnPage(page, 'infra2'), (n) => n === before + 1);
    await watch.stop();
    await untilShown(() => watchersOnPage(page, 'infra2'), (n) => n === before);
    expect(opened.problems).toEqual([]);
  });

  it('looks right in the dark theme', async () => {
    const dark = await openConsole(browser, `${cluster.members[0]!.clientUrl}/ui/#/leases`, { colorScheme: 'dark' });
    await dark.page.locator('table.leases tbody tr').first().waitFor();
    await dark.page.locator('table.watchers tr[data-member="infra3"] [data-testid="watchers"]').waitFor();
    await screenshot(dark.page, 'leases-dark');
    // The revoke confirmation in the dark theme, then left without revoking.
    await dark.page.getByRole('button', { name: /^Revoke lease / }).first().click();
    const dialog = dark.page.getByRole('dialog', { name: /^Revoke lease / });
    await dialog.waitFor();
    await screenshot(dark.page, 'leases-revoke-dark');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(dark.problems).toEqual([]);
    await dark.context.close();
  });
});

describe.skipIf(!browserCheck.run)('the Leases & watchers page with auth on', () => {
  const asRoot = ['--user', 'root:root-pw'];
  let appLease: string;
  let otherLease: string;

  beforeAll(async () => {
    await ctl(['user', 'add', 'root:root-pw']);
    await ctl(['role', 'add', 'app-writer']);
    await ctl(['role', 'grant-permission', 'app-writer', '--prefix=true', 'readwrite', 'app/']);
    await ctl(['user', 'add', 'writer:writer-pw']);
    await ctl(['user', 'grant-role', 'writer', 'app-writer']);
    await ctl(['auth', 'enable']);
    appLease = /lease ([0-9a-f]+) granted/.exec(await ctl([...asRoot, 'lease', 'grant', '300']))![1]!;
    otherLease = /lease ([0-9a-f]+) granted/.exec(await ctl([...asRoot, 'lease', 'grant', '300']))![1]!;
    await ctl([...asRoot, 'put', 'app/mine', 'x', `--lease=${appLease}`]);
    await ctl([...asRoot, 'put', 'other/theirs', 'y', `--lease=${otherLease}`]);
  }, 30_000);

  it('offers revoking only the leases whose keys the user may all write', async () => {
    const { page, problems, context } = await openConsole(browser, `${cluster.members[0]!.clientUrl}/ui/#/leases`);
    await page.getByLabel('User').fill('writer');
    await page.getByLabel('Password').fill('writer-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`tr[data-lease="${otherLease}"]`).getByRole('listitem').filter({ hasText: 'other/theirs' }).waitFor();
    expect(await page.getByRole('button', { name: `Revoke lease ${otherLease}` }).count()).toBe(0);
    await page.locator(`tr[data-lease="${otherLease}"]`).getByText('may not revoke').waitFor();
    await page.getByRole('button', { name: `Revoke lease ${appLease}` }).click();
    await page.getByRole('dialog', { name: `Revoke lease ${appLease}?` }).getByRole('button', { name: 'Revoke' }).click();
    await page.locator(`tr[data-lease="${appLease}"]`).waitFor({ state: 'detached' });
    expect(await ctl([...asRoot, 'get', 'app/mine'])).toBe('');
    expect(await ctl([...asRoot, 'get', 'other/theirs', '--print-value-only'])).toBe('y\n');
    expect(problems).toEqual([]);
    await context.close();
  });
});
