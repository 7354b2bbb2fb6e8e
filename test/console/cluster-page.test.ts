// The Cluster page on a real 3-member Lodestone, in Debian's chromium: the members as etcdctl sees
// them with exactly one leader; moving the leader from the page (etcdctl sees the new one, the
// page lists the change); a stopped member shown unreachable while the page goes on, and back once
// restarted; defragment and alarm disarm reaching the member and the cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { enableAuth, tokenFor } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { gateway } from '../support/consul-http.js';
import { browserCheck, launchBrowser, openConsole, screenshot, type ConsolePage } from './support/browser.js';

let cluster: TestCluster;
let base: string;
let browser: Browser;
let opened: ConsolePage;

interface EndpointStatus {
  readonly Endpoint: string;
  readonly Status: { readonly header: { readonly member_id: number }; readonly leader: number; readonly raftTerm: number; readonly dbSize: number };
}

/**
 * `etcdctl endpoint status -w json` on every member. (Not --cluster: etcdctl 3.4 then dials the
 * member list's URLs with their scheme in the HTTP/2 authority, which Lodestone's server refuses.)
 */
async function endpointStatus(): Promise<EndpointStatus[]> {
  const r = await etcdctl(cluster.endpoints, ['endpoint', 'status', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as EndpointStatus[];
}

/** Member names by hex ID, from the member list. */
async function namesById(): Promise<Map<string, string>> {
  const r = await etcdctl([cluster.members[0]!.endpoint], ['member', 'list', '-w', 'json']);
  const list = JSON.parse(r.stdout) as { members: { ID: number; name: string }[] };
  return new Map(list.members.map((m) => [m.ID.toString(16), m.name]));
}

async function etcdctlLeaderName(): Promise<string> {
  const statuses = await endpointStatus();
  const leaders = new Set(statuses.map((s) => s.Status.leader.toString(16)));
  expect(leaders.size).toBe(1);
  return (await namesById()).get([...leaders][0]!)!;
}

const row = (page: Page, name: string) => page.locator(`tr[data-member="${name}"]`);

async function waitForLeaderOnPage(page: Page, name: string): Promise<void> {
  await page.getByTestId('leader').filter({ hasText: new RegExp(`^${name}$`) }).waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
  base = cluster.members[0]!.clientUrl;
  if (browserCheck.run) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await opened?.context.close();
  await browser?.close();
  await cluster?.destroy();
});

describe('/ui/api/cluster', () => {
  it("asks every member for its own status: the leader and terms agree with etcdctl's", async () => {
    type Answer = {
      members: { idHex: string; name: string; reachable: boolean; status: { leader: string; raftTerm: number }; health?: { healthy: boolean }; metrics: { leaderChanges: number } }[];
    };
    const ask = async (): Promise<Answer> => (await (await fetch(`${base}/ui/api/cluster`)).json()) as Answer;
    // A member just started may take a moment to call itself healthy.
    let answer = await ask();
    for (const deadline = Date.now() + 10_000; !answer.members.every((m) => m.reachable && m.health?.healthy) && Date.now() < deadline; answer = await ask()) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(answer.members.map((m) => m.name)).toEqual(['infra1', 'infra2', 'infra3']);
    expect(answer.members.every((m) => m.reachable && m.health?.healthy), JSON.stringify(answer)).toBe(true);
    const statuses = await endpointStatus();
    for (const m of answer.members) {
      const theirs = statuses.find((s) => s.Status.header.member_id.toString(16) === m.idHex);
      expect(theirs, m.name).toBeDefined();
      expect(BigInt(m.status.leader).toString(16)).toBe(theirs!.Status.leader.toString(16));
      expect(m.metrics.leaderChanges).toBeGreaterThanOrEqual(1);
    }
    const leaders = answer.members.filter((m) => BigInt(m.status.leader).toString(16) === m.idHex);
    expect(leaders).toHaveLength(1);
  });

  it('refuses an unknown member and an unknown action', async () => {
    const r = await fetch(`${base}/ui/api/cluster/defragment`, { method: 'POST', body: JSON.stringify({ member: '12345' }) });
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([404, 'CONSOLE_NOT_FOUND']);
    const other = await fetch(`${base}/ui/api/cluster/explode`, { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
  });
});

describe.skipIf(!browserCheck.run)('the Cluster page', () => {
  beforeAll(async () => {
    opened = await openConsole(browser, `${base}/ui/#/cluster`);
  });

  it('shows the three members with exactly one leader, the one etcdctl sees', async () => {
    const { page } = opened;
    await page.getByRole('heading', { name: 'Cluster', level: 1 }).waitFor();
    for (const name of ['infra1', 'infra2', 'infra3']) await row(page, name).getByText('healthy', { exact: true }).waitFor();
    const leader = await etcdctlLeaderName();
    await waitForLeaderOnPage(page, leader);
    await expect(page.locator('.cluster-members .badge.role').allTextContents()).resolves.toEqual(
      ['infra1', 'infra2', 'infra3'].map((n) => (n === leader ? 'leader' : 'follower')),
    );
    await screenshot(page, 'cluster-light');
  });

  it('moves the leader where the user asks: etcdctl sees the new leader and the page lists the change', async () => {
    const { page } = opened;
    const from = await etcdctlLeaderName();
    const to = ['infra1', 'infra2', 'infra3'].find((n) => n !== from)!;
    await page.getByRole('button', { name: `Make leader: ${to}` }).click();
    const dialog = page.getByRole('dialog', { name: `Move the leader from ${from} to ${to}?` });
    await dialog.waitFor();
    await screenshot(page, 'cluster-move-leader-light');
    await dialog.getByRole('button', { name: 'Move the leader' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await etcdctlLeaderName()).toBe(to);
    await waitForLeaderOnPage(page, to);
    await page.locator('ol.leader-changes li').filter({ hasText: `${from} → ${to}` }).waitFor();
  });

  it('shows a stopped member unreachable while the rest goes on, and back once it is restarted', async () => {
    const { page } = opened;
    await cluster.stop(2);
    await row(page, 'infra3').getByText('unreachable').first().waitFor({ timeout: 10_000 });
    // The other members still answer, and the page says nothing went wrong as a whole.
    await row(page, 'infra1').getByText('healthy', { exact: true }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'cluster-member-down-light');
    cluster.restart(2);
    await cluster.waitReady();
    await row(page, 'infra3').getByText('healthy', { exact: true }).waitFor({ timeout: 15_000 });
  });

  it('defragments the member asked for', async () => {
    const { page } = opened;
    // Space to give back: values written, deleted and compacted away.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 24; i++) await gateway(base, 'kv/put', { key: Buffer.from(`defrag/${i}`).toString('base64'), value: Buffer.from(big).toString('base64') });
    await gateway(base, 'kv/deleterange', { key: Buffer.from('defrag/').toString('base64'), range_end: Buffer.from('defrag0').toString('base64') });
    const rev = (await gateway(base, 'kv/range', { key: Buffer.from('x').toString('base64') }))['header'] as { revision: string };
    await gateway(base, 'kv/compaction', { revision: rev.revision, physical: true });
    const statusOf = async (name: string): Promise<EndpointStatus> => {
      const ids = await namesById();
      return (await endpointStatus()).find((s) => ids.get(s.Status.header.member_id.toString(16)) === name)!;
    };
    // The member reports its size as its files grow: wait until the writes show in it.
    let before = 0;
    for (const deadline = Date.now() + 15_000; before < 512 * 1024 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      before = (await statusOf('infra2')).Status.dbSize;
    }
    expect(before).toBeGreaterThanOrEqual(512 * 1024);
    await page.getByRole('button', { name: 'Defragment infra2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Defragment infra2?' });
    await dialog.getByRole('button', { name: 'Defragment' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const after = (await statusOf('infra2')).Status.dbSize;
    expect(after).toBeLessThan(before / 2);
  });

  it('shows an alarm and disarms it: etcdctl lists none afterwards', async () => {
    const { page } = opened;
    const ids = await namesById();
    const infra2 = [...ids].find(([, name]) => name === 'infra2')![0];
    await gateway(base, 'maintenance/alarm', { action: 'ACTIVATE', memberID: BigInt(`0x${infra2}`).toString(), alarm: 'NOSPACE' });
    expect((await etcdctl([cluster.members[0]!.endpoint], ['alarm', 'list'])).stdout).toContain('alarm:NOSPACE');
    await row(page, 'infra2').locator('.badge', { hasText: /^NOSPACE$/ }).waitFor();
    await screenshot(page, 'cluster-alarm-light');
    await page.getByRole('button', { name: 'Disarm NOSPACE of infra2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disarm the NOSPACE alarm of infra2?' });
    await dialog.getByRole('button', { name: 'Disarm' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await etcdctl([cluster.members[0]!.endpoint], ['alarm', 'list'])).stdout.trim()).toBe('');
    await page.getByText('No member has raised an alarm.').waitFor();
    expect(opened.problems).toEqual([]);
  });

  it('looks right in the dark theme', async () => {
    const dark = await openConsole(browser, `${base}/ui/#/cluster`, { colorScheme: 'dark' });
    for (const name of ['infra1', 'infra2', 'infra3']) await row(dark.page, name).getByText('healthy', { exact: true }).waitFor();
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(dark.page, 'cluster-dark');
    expect(dark.problems).toEqual([]);
    await dark.context.close();
  });
});

describe.skipIf(!browserCheck.run)('the Cluster page with auth on', () => {
  let viewerToken: string;
  let rootToken: string;

  beforeAll(async () => {
    await enableAuth(base, [{ name: 'viewer', password: 'viewer-pw', roles: [{ name: 'viewer', grants: [['READ', 'app/']] }] }]);
    viewerToken = await tokenFor(base, 'viewer', 'viewer-pw');
    rootToken = await tokenFor(base, 'root', 'root-pw');
  }, 30_000);

  const post = async (path: string, body: unknown, token?: string): Promise<[number, string]> => {
    const r = await fetch(`${base}/ui/api/cluster/${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { Authorization: token } : {} });
    return [r.status, ((await r.json()) as { error?: { code: string } }).error?.code ?? 'ok'];
  };

  it('offers a user without the root role no action, and the server refuses them anyway', async () => {
    const { page, problems, context } = await openConsole(browser, `${base}/ui/#/cluster`);
    await page.getByLabel('User').fill('viewer');
    await page.getByLabel('Password').fill('viewer-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    for (const name of ['infra1', 'infra2', 'infra3']) await row(page, name).getByText('healthy', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /Make .* the leader|Defragment/ }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();

    const ids = await namesById();
    const infra2 = [...ids].find(([, name]) => name === 'infra2')![0];
    expect(await post('move-leader', { target: infra2 })).toEqual([401, 'CONSOLE_UNAUTHENTICATED']);
    expect(await post('move-leader', { target: infra2 }, viewerToken)).toEqual([403, 'CONSOLE_PERMISSION_DENIED']);
    expect(await post('defragment', { member: infra2 }, viewerToken)).toEqual([403, 'CONSOLE_PERMISSION_DENIED']);
    expect(await post('defragment', { member: infra2 }, rootToken)).toEqual([200, 'ok']);
  });
});
