// The Keys page in Debian's chromium against a real three-member cluster, opened through a
// follower's URL: what a user does there is read back by etcdctl, and what etcdctl does shows on
// the open page without a reload — the tree, a key's value, its history and the diff between
// versions. Values show as pretty JSON, text or hex; a new key can take a new lease; deleting asks
// first. With auth on, a user who may only read sees no edit controls and the member's refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { enableAuth } from '../support/gateway-auth.js';
import { TestCluster } from '../support/cluster.js';
import { b64, gateway } from '../support/consul-http.js';
import { etcdctl } from '../compat/etcdctl-runner.js';
import { browserCheck, launchBrowser, openConsole, screenshot } from './support/browser.js';

let cluster: TestCluster;
let base: string;
let endpoints: string[];
let browser: Browser;

async function ctl(...args: string[]): Promise<string> {
  const r = await etcdctl(endpoints, args);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The page's address for a folder and, optionally, a key in it. */
function keysUrl(folder: string, key?: string): string {
  return `${base}/ui/#/keys/${folder}${key === undefined ? '' : `?key=${encodeURIComponent(key)}`}`;
}

/** The tree's section, named after its folder. */
const tree = (page: Page, folder: string) => page.getByRole('region', { name: folder, exact: true });
/** A folder's key count as the tree shows it. */
const folderCount = (page: Page, folder: string, name: string) =>
  tree(page, folder).locator('.keys-folder-row').filter({ has: page.getByRole('button', { name, exact: true }) }).locator('.keys-count').textContent();
const valueBox = (page: Page) => page.getByLabel('Value', { exact: true });

beforeAll(async () => {
  cluster = await TestCluster.start({ implementation: 'lodestone', size: 3 });
  const ready = await cluster.waitReady();
  const follower = cluster.members.find((m) => m.index !== ready.leaderIndex)!;
  base = follower.clientUrl;
  endpoints = cluster.members.map((m) => m.endpoint);
  if (browserCheck.run) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
});

describe.skipIf(!browserCheck.run)('the Keys page', () => {
  it('lists a prefix as folders with counts and keys, and follows etcdctl puts and deletes without a reload', async () => {
    for (const key of ['tree/a/x', 'tree/a/y', 'tree/b', 'tree/c/deep/z']) await ctl('put', key, 'v');
    const { page, problems, context } = await openConsole(browser, `${base}/ui/#/keys`);
    await tree(page, 'All keys').getByRole('link', { name: 'Open folder tree/' }).click();
    const section = tree(page, 'tree/');
    await section.getByRole('button', { name: 'a/' }).waitFor();
    expect(await section.getByTestId('keys-total').textContent()).toBe('4 keys');
    await expect.poll(() => folderCount(page, 'tree/', 'a/')).toBe('2 keys');
    await section.getByRole('link', { name: 'b', exact: true }).waitFor();

    await ctl('put', 'tree/added', 'new');
    await section.getByRole('link', { name: 'added', exact: true }).waitFor();
    await ctl('put', 'tree/a/w', 'v');
    await expect.poll(() => folderCount(page, 'tree/', 'a/')).toBe('3 keys');
    await ctl('del', 'tree/b');
    await section.getByRole('link', { name: 'b', exact: true }).waitFor({ state: 'detached' });
    expect(await section.getByTestId('keys-total').textContent()).toBe('5 keys');

    // A folder expands in place and its level is live too.
    await section.getByRole('button', { name: 'c/' }).click();
    await section.getByRole('button', { name: 'deep/' }).waitFor();
    await ctl('put', 'tree/c/other', 'v');
    await section.getByRole('link', { name: 'other', exact: true }).waitFor();

    // A link to a key deep down opens the folders on its way to it.
    await page.goto(`${base}/ui/#/keys?key=${encodeURIComponent('tree/c/deep/z')}`);
    const top = tree(page, 'All keys');
    await top.getByRole('link', { name: 'z', exact: true }).waitFor();
    expect(await top.getByRole('link', { name: 'z', exact: true }).getAttribute('aria-current')).toBe('true');
    expect(await top.getByRole('button', { name: 'deep/' }).getAttribute('aria-expanded')).toBe('true');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('pages through a level with many keys instead of reading them all', async () => {
    const ops = Array.from({ length: 120 }, (_, i) => ({ request_put: { key: b64(`many/k${String(i).padStart(3, '0')}`), value: b64('v') } }));
    await gateway(base, 'kv/txn', { success: ops });
    const { page, problems, context } = await openConsole(browser, keysUrl('many/'));
    const section = tree(page, 'many/');
    await section.getByRole('link', { name: 'k000', exact: true }).waitFor();
    expect(await section.getByTestId('keys-total').textContent()).toBe('120 keys');
    expect(await section.locator('a.keys-leaf').count()).toBe(50);
    await section.getByRole('button', { name: /Show more/ }).click();
    await section.getByRole('link', { name: 'k099', exact: true }).waitFor();
    await section.getByRole('button', { name: /Show more/ }).click();
    await section.getByRole('link', { name: 'k119', exact: true }).waitFor();
    expect(await section.locator('a.keys-leaf').count()).toBe(120);
    expect(await section.getByRole('button', { name: /Show more/ }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows JSON pretty-printed and a binary value as hex, in the light theme and the dark one', async () => {
    await ctl('put', 'values/config.json', '{"port":8080,"tags":["a","b"]}');
    await gateway(base, 'kv/put', { key: b64('values/blob'), value: Buffer.from([0, 1, 0xfe, 0xff, 0x41]).toString('base64') });
    await ctl('put', 'values/plain', 'just text');
    const { page, problems, context } = await openConsole(browser, keysUrl('values/', 'values/config.json'));
    await expect.poll(() => valueBox(page).textContent()).toBe('{\n  "port": 8080,\n  "tags": [\n    "a",\n    "b"\n  ]\n}');
    expect(await page.getByText('JSON, 30 B').count()).toBe(1);
    await screenshot(page, 'keys-light');

    await page.getByRole('link', { name: 'blob', exact: true }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('00 01 fe ff 41');
    expect(page.url()).toContain('?key=values%2Fblob');
    await page.getByRole('link', { name: 'plain', exact: true }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('just text');
    // A key that is not UTF-8 keeps its bytes in the address (as base64) and still opens.
    await gateway(base, 'kv/put', { key: Buffer.concat([Buffer.from('values/'), Buffer.from([0xff, 0xfe])]).toString('base64'), value: b64('odd key') });
    await tree(page, 'values/').getByRole('link', { name: '\ufffd\ufffd', exact: true }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('odd key');
    expect(page.url()).toContain(`key64=${encodeURIComponent(Buffer.from('values/\xff\xfe', 'latin1').toString('base64'))}`);
    expect(problems).toEqual([]);
    await context.close();

    const dark = await openConsole(browser, keysUrl('values/', 'values/config.json'), { colorScheme: 'dark' });
    await tree(dark.page, 'values/').getByRole('link', { name: 'blob', exact: true }).waitFor();
    await dark.page.getByRole('region', { name: 'History', exact: true }).locator('tbody tr').waitFor();
    await expect.poll(() => valueBox(dark.page).textContent()).toContain('"port": 8080');
    expect(await dark.page.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(dark.page, 'keys-dark');
    expect(dark.problems).toEqual([]);
    await dark.context.close();
  });

  it('saves an edited value that etcdctl reads back, and shows a value etcdctl put meanwhile', async () => {
    await ctl('put', 'edit/greeting', 'hello');
    const { page, problems, context } = await openConsole(browser, keysUrl('edit/', 'edit/greeting'));
    await expect.poll(() => valueBox(page).textContent()).toBe('hello');
    await page.getByRole('button', { name: 'Edit value' }).click();
    await page.getByLabel('New value').fill('hello from the console');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('hello from the console');
    expect(await ctl('get', 'edit/greeting', '--print-value-only')).toBe('hello from the console\n');
    expect(await page.getByTestId('key-version').textContent()).toBe('2');

    await ctl('put', 'edit/greeting', 'changed by etcdctl');
    await expect.poll(() => valueBox(page).textContent()).toBe('changed by etcdctl');
    expect(await page.getByTestId('key-version').textContent()).toBe('3');

    // An edit over a version someone else replaced is refused rather than overwriting it.
    await page.getByRole('button', { name: 'Edit value' }).click();
    await ctl('put', 'edit/greeting', 'a fourth');
    await page.getByLabel('New value').fill('stale edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Someone changed this key');
    expect(await ctl('get', 'edit/greeting', '--print-value-only')).toBe('a fourth\n');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows three versions after three puts with the line diff between them, and a delete as it happens', async () => {
    await ctl('put', 'hist/doc', 'line one\nline two\nline three');
    await ctl('put', 'hist/doc', 'line one\nline 2\nline three');
    await ctl('put', 'hist/doc', 'line one\nline 2\nline three\nline four');
    const { page, problems, context } = await openConsole(browser, keysUrl('hist/', 'hist/doc'));
    const history = page.getByRole('region', { name: 'History', exact: true });
    const rows = history.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['version 3', 'version 2', 'version 1']);
    // The newest change first: one line added.
    await expect.poll(() => history.locator('.diff-add').allTextContents()).toEqual(['+added: line four']);
    expect(await history.locator('.diff-del').count()).toBe(0);
    // The one before: a line replaced.
    await history.getByRole('button', { name: `Diff of revision ${await rows.nth(1).locator('td').first().textContent()}` }).click();
    await expect.poll(() => history.locator('.diff-del').allTextContents()).toEqual(['−removed: line two']);
    expect(await history.locator('.diff-add').allTextContents()).toEqual(['+added: line 2']);
    await screenshot(page, 'keys-history');

    await ctl('del', 'hist/doc');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.first().locator('td:nth-child(2)').textContent()).toBe('deleted');
    await page.getByText(/This key does not exist \(deleted at revision \d+\)/).waitFor();
    await tree(page, 'hist/').getByRole('link', { name: 'doc', exact: true }).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('puts a new key with a new lease, which etcdctl lists among the lease’s keys', async () => {
    const { page, problems, context } = await openConsole(browser, keysUrl('leased/'));
    await page.getByRole('link', { name: 'New key' }).click();
    await expect.poll(() => page.getByLabel('Key', { exact: true }).inputValue()).toBe('leased/');
    await page.getByLabel('Key', { exact: true }).fill('leased/session');
    await page.getByLabel('Value', { exact: true }).fill('alive');
    await page.getByLabel('Lease', { exact: true }).selectOption({ label: 'A new lease…' });
    await page.getByLabel('Lease TTL (seconds)').fill('300');
    await page.getByRole('button', { name: 'Put key' }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('alive');
    await expect.poll(() => page.getByTestId('key-lease').textContent()).toMatch(/^[0-9a-f]+ \(\d+ s left\)$/);
    const leaseId = (await page.getByTestId('key-lease').textContent())!.split(' ')[0]!;
    expect(await ctl('lease', 'timetolive', leaseId, '--keys')).toContain('attached keys([leased/session])');

    // Putting a name that exists is refused: that is what editing is for.
    await page.getByRole('link', { name: 'New key' }).click();
    await page.getByLabel('Key', { exact: true }).fill('leased/session');
    await page.getByRole('button', { name: 'Put key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('leased/session exists already');
    expect(await ctl('get', 'leased/session', '--print-value-only')).toBe('alive\n');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('deletes a key only after the confirmation, and etcdctl no longer finds it', async () => {
    await ctl('put', 'doomed/key', 'bye');
    const { page, problems, context } = await openConsole(browser, keysUrl('doomed/', 'doomed/key'));
    await expect.poll(() => valueBox(page).textContent()).toBe('bye');
    await page.getByRole('button', { name: 'Delete key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this key?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await ctl('get', 'doomed/key', '--print-value-only')).toBe('bye\n');

    await page.getByRole('button', { name: 'Delete key' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText(/This key does not exist/).waitFor();
    expect(await ctl('get', 'doomed/key')).toBe('');
    await tree(page, 'doomed/').getByText('No keys here.').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!browserCheck.run)('the line diff the history uses', () => {
  it('keeps common lines, marks removed before added, and treats a final newline as ending a line', async () => {
    const { page, problems, context } = await openConsole(browser, `${base}/ui/`);
    const diff = (before: string, after: string): Promise<string[]> =>
      page.evaluate(
        `import('/ui/lib/line-diff.js').then(({ lineDiff }) => lineDiff(${JSON.stringify(before)}, ${JSON.stringify(after)}).map((l) => ({ same: ' ', del: '-', add: '+' })[l.op] + l.text))`,
      );
    expect(await diff('a\nb\nc\n', 'a\nB\nc')).toEqual([' a', '-b', '+B', ' c']);
    expect(await diff('', 'x\ny')).toEqual(['+x', '+y']);
    expect(await diff('x\ny', '')).toEqual(['-x', '-y']);
    expect(await diff('1\n2\n3\n4', '2\n3\n4\n1')).toEqual(['-1', ' 2', ' 3', ' 4', '+1']);
    expect(await diff('head\nx\ny\nz\ntail', 'head\ny\nz\nw\ntail')).toEqual([' head', '-x', ' y', ' z', '+w', ' tail']);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!browserCheck.run)('a key’s history across lives and compaction', () => {
  it('shows the current life, the earlier ones when asked, and only what compaction left', async () => {
    await ctl('put', 'lives/k', 'first life');
    await ctl('del', 'lives/k');
    await ctl('put', 'lives/k', 'second life v1');
    await ctl('put', 'lives/k', 'second life v2');
    const { page, problems, context } = await openConsole(browser, keysUrl('lives/', 'lives/k'));
    const history = page.getByRole('region', { name: 'History', exact: true });
    const changes = () => history.locator('tbody tr td:nth-child(2)').allTextContents();
    await expect.poll(changes).toEqual(['version 2', 'version 1']);
    await history.getByRole('button', { name: 'Show earlier lives of this key' }).click();
    await expect.poll(changes).toEqual(['version 2', 'version 1', 'deleted', 'version 1']);
    await context.close();

    const modRevision = Number(((await gateway(base, 'kv/range', { key: b64('lives/k') }))['kvs'] as { mod_revision: string }[])[0]!.mod_revision);
    await gateway(base, 'kv/compaction', { revision: modRevision, physical: true });
    const again = await openConsole(browser, keysUrl('lives/', 'lives/k'));
    const after = again.page.getByRole('region', { name: 'History', exact: true });
    await after.getByText(`Revisions before ${modRevision} were compacted`).waitFor();
    await expect.poll(() => after.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['version 2']);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.context.close();
  });
});

describe.skipIf(!browserCheck.run)('the Keys page when its member restarts', () => {
  it('says it is reconnecting while the member is down and catches up with what changed meanwhile', async () => {
    await ctl('put', 'resil/kept', 'before');
    const { page, problems, context } = await openConsole(browser, keysUrl('resil/', 'resil/kept'));
    const section = tree(page, 'resil/');
    await expect.poll(() => valueBox(page).textContent()).toBe('before');
    await section.getByText('live', { exact: true }).waitFor();

    const follower = cluster.members.find((m) => m.clientUrl === base)!;
    await cluster.stop(follower.index);
    await section.getByText('reconnecting…').waitFor();
    const others = cluster.members.filter((m) => m !== follower).map((m) => m.endpoint);
    const put = async (key: string, value: string) => expect((await etcdctl(others, ['put', key, value])).code).toBe(0);
    await put('resil/kept', 'after');
    await put('resil/new', 'while away');

    cluster.restart(follower.index);
    await cluster.waitReady();
    await section.getByRole('link', { name: 'new', exact: true }).waitFor({ timeout: 20_000 });
    await expect.poll(() => valueBox(page).textContent(), { timeout: 20_000 }).toBe('after');
    await section.getByText('live', { exact: true }).waitFor();
    // What the browser logged while the member was down: the watch streams it cut, the requests it refused.
    expect(problems.filter((p) => !/net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED)/.test(p))).toEqual([]);
    await context.close();
  }, 50_000);
});

describe.skipIf(!browserCheck.run)('the Keys page with auth on', () => {
  beforeAll(async () => {
    await ctl('put', 'ro/setting', 'read me');
    await ctl('put', 'secret/token', 'hidden');
    await enableAuth(base, [{ name: 'reader', password: 'reader-pw', roles: [{ name: 'ro-reader', grants: [['READ', 'ro/']] }] }]);
  }, 30_000);

  it('offers a reader no edit, delete or new key, and shows the member’s refusal of keys they may not read', async () => {
    const { page, problems, context } = await openConsole(browser, keysUrl('ro/', 'ro/setting'));
    await page.getByLabel('User').fill('reader');
    await page.getByLabel('Password').fill('reader-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => valueBox(page).textContent()).toBe('read me');
    await page.getByText('You may read this key but not change it.').waitFor();
    expect(await page.getByRole('button', { name: 'Edit value' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete key' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New key' }).count()).toBe(0);

    await page.evaluate('location.hash = "#/keys/secret/?key=secret%2Ftoken"');
    await expect.poll(() => page.getByRole('alert').allTextContents()).toEqual([
      'Could not list secret/: etcdserver: permission denied',
      'Could not read this key: etcdserver: permission denied',
    ]);
    expect(await page.getByText('hidden').count()).toBe(0);

    // The top level, which the reader may not list, is not asked for: the page says where to look.
    await page.getByRole('link', { name: 'All keys' }).first().click();
    await tree(page, 'All keys').getByText('Your roles let you read:').waitFor();
    expect(await tree(page, 'All keys').getByRole('alert').count()).toBe(0);
    await tree(page, 'All keys').getByRole('link', { name: 'ro/', exact: true }).click();
    await tree(page, 'ro/').getByRole('link', { name: 'setting', exact: true }).waitFor();
    // The two refused reads are the errors the browser logged; nothing else went wrong.
    expect(problems).toEqual(Array(2).fill('console error: Failed to load resource: the server responded with a status of 403 (Forbidden)'));
    await context.close();
  });
});
