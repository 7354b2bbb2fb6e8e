// etcdctl 3.4 against a target: what it prints for puts, gets (prefix, from-key, ranges, sorting,
// limits, output formats), deletes, transactions read from stdin, reads at past revisions,
// compaction, and the cluster commands. The expected texts are what etcd 3.4 prints.
import { expect } from 'vitest';
import { etcdctl, errorLine, type CtlResult } from './etcdctl-runner.js';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const ETCDCTL_SUITE = 'etcdctl';

interface CtlOptions {
  readonly stdin?: string;
  /** Keep out of the transcript (for outputs that differ between any two clusters). */
  readonly unrecorded?: boolean;
}

async function ctl(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<CtlResult> {
  const r = await etcdctl(t.target.endpoints, args, options.stdin);
  if (!options.unrecorded) {
    const input = options.stdin === undefined ? '' : ` <<< ${JSON.stringify(options.stdin)}`;
    t.record(`etcdctl ${args.join(' ')}${input}`, `${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ''}[exit ${String(r.code)}]`);
  }
  return r;
}

/** Runs etcdctl, expects it to succeed, and returns what it printed. */
async function ok(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<string> {
  const r = await ctl(t, args, options);
  expect(r.code, `etcdctl ${args.join(' ')} failed:\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Runs etcdctl, expects it to fail with exit code 1, and returns its "Error: …" line. */
async function fails(t: TestTools, args: readonly string[], options: CtlOptions = {}): Promise<string> {
  const r = await ctl(t, args, options);
  expect(r.code, `etcdctl ${args.join(' ')} should have failed; printed:\n${r.stdout}`).toBe(1);
  return errorLine(r);
}

interface JsonHeader {
  cluster_id: number;
  member_id: number;
  revision: number;
  raft_term: number;
}

/** put with -w json: the revision the put created. */
async function put(t: TestTools, key: string, value: string): Promise<number> {
  const out = JSON.parse(await ok(t, ['put', key, value, '-w', 'json'])) as { header: JsonHeader };
  return out.header.revision;
}

/** The key/value lines etcdctl's simple format prints for these pairs. */
function pairs(...kvs: [string, string][]): string {
  return kvs.map(([k, v]) => `${k}\n${v}\n`).join('');
}

function txnInput(compares: readonly string[], success: readonly string[], failure: readonly string[]): string {
  return `${compares.join('\n')}\n\n${success.join('\n')}${success.length ? '\n' : ''}\n${failure.join('\n')}${failure.length ? '\n' : ''}\n`;
}

const COMPACTED = 'Error: etcdserver: mvcc: required revision has been compacted';
const FUTURE = 'Error: etcdserver: mvcc: required revision is a future revision';

export function etcdctlSuite(ctx: SuiteContext): void {
  const test = (name: string, body: (t: TestTools) => Promise<void>, options?: Parameters<typeof compatTest>[3]): void =>
    compatTest(ctx, name, body, options);

  // ------------------------------------------------------------------ put and get

  test('put prints OK; get prints the key and the value on two lines', async (t) => {
    const k = `${t.dir}greeting`;
    expect(await ok(t, ['put', k, 'hello world'])).toBe('OK\n');
    expect(await ok(t, ['get', k])).toBe(pairs([k, 'hello world']));
    expect(await ok(t, ['put', k, 'again'])).toBe('OK\n');
    expect(await ok(t, ['get', k])).toBe(pairs([k, 'again']));
  });

  test('put --prev-kv prints OK, then the previous key and value', async (t) => {
    const k = `${t.dir}k`;
    expect(await ok(t, ['put', k, 'first', '--prev-kv'])).toBe('OK\n');
    expect(await ok(t, ['put', k, 'second', '--prev-kv'])).toBe(`OK\n${pairs([k, 'first'])}`);
  });

  test('get --prefix lists the keys under the prefix in byte order', async (t) => {
    for (const [k, v] of [['b', '2'], ['a', '1'], ['c/deeper', '3'], ['B', 'upper']] as const) await ok(t, ['put', `${t.dir}${k}`, v]);
    await ok(t, ['put', `${t.dir.slice(0, -1)}~outside`, 'x']);
    expect(await ok(t, ['get', t.dir, '--prefix'])).toBe(
      pairs([`${t.dir}B`, 'upper'], [`${t.dir}a`, '1'], [`${t.dir}b`, '2'], [`${t.dir}c/deeper`, '3']),
    );
    expect(await ok(t, ['get', `${t.dir}nothing-here`, '--prefix'])).toBe('');
  });

  test('get key range_end lists the keys from key up to, not including, range_end', async (t) => {
    for (const k of ['a', 'b', 'c', 'd']) await ok(t, ['put', `${t.dir}${k}`, k.toUpperCase()]);
    expect(await ok(t, ['get', `${t.dir}b`, `${t.dir}d`])).toBe(pairs([`${t.dir}b`, 'B'], [`${t.dir}c`, 'C']));
    expect(await ok(t, ['get', `${t.dir}a`, `${t.dir}a`])).toBe('');
  });

  test(
    'get --from-key lists every key from the given one on',
    async (t) => {
      // "~" sorts after every other folder of this suite, so nothing else follows these keys.
      for (const k of ['a', 'b', 'c']) await ok(t, ['put', `${t.dir}${k}`, k]);
      const out = await ok(t, ['get', `${t.dir}b`, '--from-key']);
      const expected = pairs([`${t.dir}b`, 'b'], [`${t.dir}c`, 'c']);
      if (t.target.external) expect(out.startsWith(expected)).toBe(true);
      else expect(out).toBe(expected);
      expect(await ok(t, ['get', `${t.dir}b`, '--from-key', '--keys-only', '--limit', '1'])).toBe(`${t.dir}b\n\n`);
    },
    { dir: '~from-key' },
  );

  test('get --sort-by and --order sort by key, version, create, modify and value revision, both ways', async (t) => {
    const [a, b, c] = ['a', 'b', 'c'].map((k) => `${t.dir}${k}`) as [string, string, string];
    // Created b, c, a; modified last a, c, b; versions a 1, c 2, b 3; values c < a < b.
    await ok(t, ['put', b, '3']);
    await ok(t, ['put', c, '0']);
    await ok(t, ['put', a, '2']);
    await ok(t, ['put', c, '1']);
    await ok(t, ['put', b, '3']);
    await ok(t, ['put', b, '3']);
    const order = async (...flags: string[]): Promise<string[]> =>
      (await ok(t, ['get', t.dir, '--prefix', '--keys-only', ...flags])).split('\n').filter((l) => l !== '');
    expect(await order()).toEqual([a, b, c]);
    expect(await order('--sort-by=KEY', '--order=DESCEND')).toEqual([c, b, a]);
    expect(await order('--order=DESCEND')).toEqual([c, b, a]);
    expect(await order('--sort-by=CREATE')).toEqual([b, c, a]);
    expect(await order('--sort-by=CREATE', '--order=DESCEND')).toEqual([a, c, b]);
    expect(await order('--sort-by=MODIFY', '--order=ASCEND')).toEqual([a, c, b]);
    expect(await order('--sort-by=MODIFY', '--order=DESCEND')).toEqual([b, c, a]);
    expect(await order('--sort-by=VERSION')).toEqual([a, c, b]);
    expect(await order('--sort-by=VERSION', '--order=DESCEND')).toEqual([b, c, a]);
    expect(await order('--sort-by=VALUE')).toEqual([c, a, b]);
    expect(await order('--sort-by=VALUE', '--order=DESCEND')).toEqual([b, a, c]);
    expect(await order('--sort-by=CREATE', '--order=DESCEND', '--limit=2')).toEqual([a, c]);
  });

  test('get --limit prints the first keys; -w json says there is more and counts them all', async (t) => {
    for (const k of ['a', 'b', 'c']) await ok(t, ['put', `${t.dir}${k}`, k]);
    expect(await ok(t, ['get', t.dir, '--prefix', '--limit', '2'])).toBe(pairs([`${t.dir}a`, 'a'], [`${t.dir}b`, 'b']));
    const json = JSON.parse(await ok(t, ['get', t.dir, '--prefix', '--limit', '2', '-w', 'json'])) as { kvs: unknown[]; more?: boolean; count: number };
    expect(json.kvs).toHaveLength(2);
    expect(json.more).toBe(true);
    expect(json.count).toBe(3);
    const all = JSON.parse(await ok(t, ['get', t.dir, '--prefix', '--limit', '3', '-w', 'json'])) as Record<string, unknown>;
    // proto3 JSON leaves false out.
    expect('more' in all).toBe(false);
    expect(all.count).toBe(3);
  });

  test('get --keys-only prints each key followed by an empty line; --print-value-only only the values', async (t) => {
    await ok(t, ['put', `${t.dir}a`, 'one']);
    await ok(t, ['put', `${t.dir}b`, 'two']);
    expect(await ok(t, ['get', t.dir, '--prefix', '--keys-only'])).toBe(`${t.dir}a\n\n${t.dir}b\n\n`);
    expect(await ok(t, ['get', t.dir, '--prefix', '--print-value-only'])).toBe('one\ntwo\n');
    const json = JSON.parse(await ok(t, ['get', t.dir, '--prefix', '--keys-only', '-w', 'json'])) as { kvs: Record<string, unknown>[] };
    expect(json.kvs.map((kv) => 'value' in kv)).toEqual([false, false]);
  });

  test('get -w json prints the header and base64 key-values, leaving out zero fields', async (t) => {
    const k = `${t.dir}k`;
    const created = await put(t, k, 'v1');
    const modified = await put(t, k, 'v2');
    const text = await ok(t, ['get', k, '-w', 'json']);
    const json = JSON.parse(text) as { header: JsonHeader; kvs: Record<string, unknown>[]; count: number };
    expect(Object.keys(json)).toEqual(['header', 'kvs', 'count']);
    expect(Object.keys(json.header)).toEqual(['cluster_id', 'member_id', 'revision', 'raft_term']);
    expect(json.header.revision).toBeGreaterThanOrEqual(modified);
    expect(json.header.raft_term).toBeGreaterThan(0);
    expect(json.kvs).toEqual([
      { key: Buffer.from(k).toString('base64'), create_revision: created, mod_revision: modified, version: 2, value: Buffer.from('v2').toString('base64') },
    ]);
    expect(json.count).toBe(1);
    // One line, as etcd prints it.
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.trim().includes('\n')).toBe(false);
  });

  test('get -w fields prints one quoted field per line', async (t) => {
    const k = `${t.dir}k`;
    const rev = await put(t, k, 'v');
    const out = await ok(t, ['get', k, '-w', 'fields']);
    const lines = out.split('\n');
    expect(lines.map((l) => l.split(' : ')[0])).toEqual([
      '"ClusterID"', '"MemberID"', '"Revision"', '"RaftTerm"', '"Key"', '"CreateRevision"', '"ModRevision"', '"Version"', '"Value"', '"Lease"', '"More"', '"Count"', '',
    ]);
    expect(lines.slice(4, 12)).toEqual([`"Key" : "${k}"`, `"CreateRevision" : ${rev}`, `"ModRevision" : ${rev}`, '"Version" : 1', '"Value" : "v"', '"Lease" : 0', '"More" : false', '"Count" : 1']);
  });

  test('get of a missing key prints nothing and exits 0; -w json has only the header', async (t) => {
    expect(await ok(t, ['get', `${t.dir}missing`])).toBe('');
    const json = JSON.parse(await ok(t, ['get', `${t.dir}missing`, '-w', 'json'])) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['header']);
  });

  test('get --consistency=s serves a serializable read', async (t) => {
    await ok(t, ['put', `${t.dir}k`, 'v']);
    // A serializable read may lag on a follower, but a member answers it locally and succeeds.
    const out = await ok(t, ['get', `${t.dir}k`, '--consistency=s'], { unrecorded: true });
    expect(['', pairs([`${t.dir}k`, 'v'])]).toContain(out);
    expect(await ok(t, ['get', `${t.dir}k`, '--consistency=l'])).toBe(pairs([`${t.dir}k`, 'v']));
  });

  test('get --rev reads the keys as they were at a past revision', async (t) => {
    const k = `${t.dir}k`;
    const r1 = await put(t, k, 'v1');
    const r2 = await put(t, k, 'v2');
    await ok(t, ['put', `${t.dir}later`, 'x']);
    expect(await ok(t, ['get', k, '--rev', String(r1)])).toBe(pairs([k, 'v1']));
    expect(await ok(t, ['get', k, '--rev', String(r2)])).toBe(pairs([k, 'v2']));
    expect(await ok(t, ['get', k, '--rev', String(r1 - 1)])).toBe('');
    expect(await ok(t, ['get', t.dir, '--prefix', '--rev', String(r2), '--keys-only'])).toBe(`${k}\n\n`);
    expect(await ok(t, ['get', k])).toBe(pairs([k, 'v2']));
    const json = JSON.parse(await ok(t, ['get', k, '--rev', String(r1), '-w', 'json'])) as { header: JsonHeader; kvs: { mod_revision: number; version: number }[] };
    // The header carries the current revision, the pair its state at r1.
    expect(json.header.revision).toBeGreaterThan(r2);
    expect(json.kvs[0]).toMatchObject({ mod_revision: r1, version: 1 });
  });

  // ------------------------------------------------------------------ delete

  test('del prints how many keys it deleted: none, one, a range', async (t) => {
    for (const k of ['a', 'b', 'c', 'd']) await ok(t, ['put', `${t.dir}${k}`, k]);
    expect(await ok(t, ['del', `${t.dir}missing`])).toBe('0\n');
    expect(await ok(t, ['del', `${t.dir}a`])).toBe('1\n');
    expect(await ok(t, ['del', `${t.dir}a`])).toBe('0\n');
    expect(await ok(t, ['del', `${t.dir}b`, `${t.dir}d`])).toBe('2\n');
    expect(await ok(t, ['get', t.dir, '--prefix'])).toBe(pairs([`${t.dir}d`, 'd']));
  });

  test('del --prefix deletes every key under the prefix; --prev-kv prints them after the count', async (t) => {
    for (const k of ['a', 'b']) await ok(t, ['put', `${t.dir}p/${k}`, k]);
    await ok(t, ['put', `${t.dir}q`, 'stays']);
    expect(await ok(t, ['del', `${t.dir}p/`, '--prefix', '--prev-kv'])).toBe(`2\n${pairs([`${t.dir}p/a`, 'a'], [`${t.dir}p/b`, 'b'])}`);
    expect(await ok(t, ['del', `${t.dir}p/`, '--prefix'])).toBe('0\n');
    expect(await ok(t, ['get', t.dir, '--prefix'])).toBe(pairs([`${t.dir}q`, 'stays']));
    await ok(t, ['put', `${t.dir}r`, 'x']);
    expect(await ok(t, ['del', `${t.dir}r`, '--prev-kv'])).toBe(`1\n${pairs([`${t.dir}r`, 'x'])}`);
    const json = JSON.parse(await ok(t, ['del', `${t.dir}q`, '-w', 'json'])) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['header', 'deleted']);
    expect(json.deleted).toBe(1);
  });

  test(
    'del --from-key deletes every key from the given one on',
    async (t) => {
      for (const k of ['a', 'b', 'c']) await ok(t, ['put', `${t.dir}${k}`, k]);
      expect(await ok(t, ['del', `${t.dir}b`, '--from-key'])).toBe('2\n');
      expect(await ok(t, ['get', t.dir, '--prefix'])).toBe(pairs([`${t.dir}a`, 'a']));
    },
    { dir: '~~from-key-del', notExternal: 'it would delete keys of others that sort after ours' },
  );

  test('put and del with -w json print the header (and the count deleted)', async (t) => {
    const putJson = JSON.parse(await ok(t, ['put', `${t.dir}k`, 'v', '-w', 'json'])) as Record<string, unknown>;
    expect(Object.keys(putJson)).toEqual(['header']);
    const prev = JSON.parse(await ok(t, ['put', `${t.dir}k`, 'w', '--prev-kv', '-w', 'json'])) as { prev_kv: { value: string } };
    expect(Buffer.from(prev.prev_kv.value, 'base64').toString()).toBe('v');
    const delJson = JSON.parse(await ok(t, ['del', `${t.dir}missing`, '-w', 'json'])) as Record<string, unknown>;
    // deleted: 0 is left out.
    expect(Object.keys(delJson)).toEqual(['header']);
  });

  // ------------------------------------------------------------------ txn

  /** Runs a txn whose success branch puts `marker` and whose failure branch gets `key`. */
  async function branch(t: TestTools, compare: string, key: string): Promise<'SUCCESS' | 'FAILURE'> {
    const out = await ok(t, ['txn'], { stdin: txnInput([compare], [`put ${t.dir}marker yes`], [`get ${key}`]) });
    if (out.startsWith('SUCCESS')) {
      expect(out).toBe('SUCCESS\n\nOK\n');
      return 'SUCCESS';
    }
    expect(out.startsWith('FAILURE\n\n')).toBe(true);
    return 'FAILURE';
  }

  test('txn: value compares with =, !=, > and < choose the success or the failure branch', async (t) => {
    const k = `${t.dir}k`;
    await ok(t, ['put', k, 'abd']);
    const cases: [string, 'SUCCESS' | 'FAILURE'][] = [
      ['= "abd"', 'SUCCESS'], ['= "abc"', 'FAILURE'],
      ['!= "abc"', 'SUCCESS'], ['!= "abd"', 'FAILURE'],
      ['> "abc"', 'SUCCESS'], ['> "abd"', 'FAILURE'], ['> "ab"', 'SUCCESS'],
      ['< "abe"', 'SUCCESS'], ['< "abd"', 'FAILURE'], ['< "abc"', 'FAILURE'],
    ];
    for (const [cmp, expected] of cases) expect(await branch(t, `value("${k}") ${cmp}`, k), cmp).toBe(expected);
    // The failure branch's get prints the key and value.
    expect(await ok(t, ['txn'], { stdin: txnInput([`value("${k}") = "nope"`], [], [`get ${k}`]) })).toBe(`FAILURE\n\n${pairs([k, 'abd'])}`);
  });

  test('txn: version compares with =, !=, > and <', async (t) => {
    const k = `${t.dir}k`;
    await ok(t, ['put', k, '1']);
    await ok(t, ['put', k, '2']);
    const cases: [string, 'SUCCESS' | 'FAILURE'][] = [
      ['= "2"', 'SUCCESS'], ['= "1"', 'FAILURE'],
      ['!= "1"', 'SUCCESS'], ['!= "2"', 'FAILURE'],
      ['> "1"', 'SUCCESS'], ['> "2"', 'FAILURE'],
      ['< "3"', 'SUCCESS'], ['< "2"', 'FAILURE'],
    ];
    for (const [cmp, expected] of cases) expect(await branch(t, `version("${k}") ${cmp}`, k), cmp).toBe(expected);
  });

  test('txn: create and mod revision compares with =, !=, > and <', async (t) => {
    const k = `${t.dir}k`;
    const created = await put(t, k, '1');
    await ok(t, ['put', `${t.dir}other`, 'x']);
    const modified = await put(t, k, '2');
    const cases: [string, 'SUCCESS' | 'FAILURE'][] = [
      [`create("${k}") = "${created}"`, 'SUCCESS'], [`create("${k}") = "${modified}"`, 'FAILURE'],
      [`create("${k}") != "${modified}"`, 'SUCCESS'], [`create("${k}") != "${created}"`, 'FAILURE'],
      [`create("${k}") > "${created - 1}"`, 'SUCCESS'], [`create("${k}") > "${created}"`, 'FAILURE'],
      [`create("${k}") < "${created + 1}"`, 'SUCCESS'], [`create("${k}") < "${created}"`, 'FAILURE'],
      [`mod("${k}") = "${modified}"`, 'SUCCESS'], [`mod("${k}") = "${created}"`, 'FAILURE'],
      [`mod("${k}") != "${created}"`, 'SUCCESS'], [`mod("${k}") != "${modified}"`, 'FAILURE'],
      [`mod("${k}") > "${created}"`, 'SUCCESS'], [`mod("${k}") > "${modified}"`, 'FAILURE'],
      [`mod("${k}") < "${modified + 1}"`, 'SUCCESS'], [`mod("${k}") < "${modified}"`, 'FAILURE'],
    ];
    for (const [cmp, expected] of cases) expect(await branch(t, cmp, k), cmp).toBe(expected);
  });

  test('txn: every compare must hold; a missing key has version, create and mod 0', async (t) => {
    const k = `${t.dir}k`;
    const missing = `${t.dir}missing`;
    await ok(t, ['put', k, 'v']);
    expect(await branch(t, `version("${missing}") = "0"`, k)).toBe('SUCCESS');
    expect(await branch(t, `create("${missing}") = "0"`, k)).toBe('SUCCESS');
    expect(await branch(t, `mod("${missing}") = "0"`, k)).toBe('SUCCESS');
    const both = (second: string): Promise<string> =>
      ok(t, ['txn'], { stdin: txnInput([`value("${k}") = "v"`, second], [`put ${t.dir}marker both`], [`get ${k}`]) });
    expect(await both(`version("${k}") = "1"`)).toBe('SUCCESS\n\nOK\n');
    expect(await both(`version("${k}") = "2"`)).toBe(`FAILURE\n\n${pairs([k, 'v'])}`);
  });

  test('txn: the branches run put, get and del, and each response is printed', async (t) => {
    const k = `${t.dir}k`;
    await ok(t, ['put', k, 'v']);
    await ok(t, ['put', `${t.dir}gone`, 'g']);
    const out = await ok(t, ['txn'], {
      stdin: txnInput([`value("${k}") = "v"`], [`get ${k}`, `put ${t.dir}new n --prev-kv`, `put ${k} w --prev-kv`, `del ${t.dir}gone --prev-kv`, `get ${k}`], [`put ${t.dir}failed x`]),
    });
    expect(out).toBe(`SUCCESS\n\n${pairs([k, 'v'])}\nOK\n\nOK\n${pairs([k, 'v'])}\n1\n${pairs([`${t.dir}gone`, 'g'])}\n${pairs([k, 'w'])}`);
    expect(await ok(t, ['get', `${t.dir}failed`])).toBe('');
    const failed = await ok(t, ['txn'], { stdin: txnInput([`value("${k}") = "v"`], [`put ${t.dir}failed x`], [`del ${t.dir}new`, `get ${t.dir}new`]) });
    expect(failed).toBe('FAILURE\n\n1\n\n');
  });

  test('txn -i prompts for the compares and each branch, then prints the result', async (t) => {
    const k = `${t.dir}k`;
    await ok(t, ['put', k, 'v']);
    const out = await ok(t, ['txn', '-i'], { stdin: txnInput([`value("${k}") = "v"`], [`put ${k} w`], [`get ${k}`]) });
    expect(out).toBe('compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\nOK\n');
    expect(await ok(t, ['get', k])).toBe(pairs([k, 'w']));
  });

  test('txn -w json: each response in a branch has a header with only its revision', async (t) => {
    const k = `${t.dir}k`;
    const rev = await put(t, k, 'v');
    const text = await ok(t, ['txn', '-w', 'json'], { stdin: txnInput([`value("${k}") = "v"`], [`get ${k}`, `put ${k} w`, `get ${k}`], []) });
    const json = JSON.parse(text) as { header: JsonHeader; succeeded: boolean; responses: { Response: Record<string, { header: Record<string, number> }> }[] };
    expect(json.succeeded).toBe(true);
    expect(json.header.revision).toBe(rev + 1);
    const headers = json.responses.map((r) => Object.entries(r.Response).map(([kind, body]) => [kind, body.header])[0]);
    // The range before the put reads at the txn's start, the one after it sees the put.
    expect(headers).toEqual([
      ['ResponseRange', { revision: rev }],
      ['ResponsePut', { revision: rev + 1 }],
      ['ResponseRange', { revision: rev + 1 }],
    ]);
  });

  test("txn: two writes to one key fail with etcd's duplicate key error", async (t) => {
    const k = `${t.dir}k`;
    expect(await fails(t, ['txn'], { stdin: txnInput([], [`put ${k} 1`, `put ${k} 2`], []) })).toBe('Error: etcdserver: duplicate key given in txn request');
    expect(await ok(t, ['get', k])).toBe('');
  });

  // ------------------------------------------------------------------ compaction

  test("compaction prints the revision; reads below it fail with etcd's error, at and above it succeed", async (t) => {
    const k = `${t.dir}k`;
    const r1 = await put(t, k, 'v1');
    const r2 = await put(t, k, 'v2');
    const r3 = await put(t, k, 'v3');
    expect(await ok(t, ['compaction', String(r2)])).toBe(`compacted revision ${r2}\n`);
    expect(await fails(t, ['get', k, '--rev', String(r1)])).toBe(COMPACTED);
    expect(await ok(t, ['get', k, '--rev', String(r2)])).toBe(pairs([k, 'v2']));
    expect(await ok(t, ['get', k, '--rev', String(r3)])).toBe(pairs([k, 'v3']));
    expect(await ok(t, ['get', k])).toBe(pairs([k, 'v3']));
    // Compacting again at or below the compacted revision is the same error.
    expect(await fails(t, ['compaction', String(r1)])).toBe(COMPACTED);
    expect(await fails(t, ['compaction', String(r2)])).toBe(COMPACTED);
    expect(await ok(t, ['compaction', '--physical', String(r3)])).toBe(`compacted revision ${r3}\n`);
    expect(await fails(t, ['get', k, '--rev', String(r2)])).toBe(COMPACTED);
  });

  test("compaction and get at a future revision fail with etcd's error", async (t) => {
    const rev = await put(t, `${t.dir}k`, 'v');
    expect(await fails(t, ['get', `${t.dir}k`, '--rev', String(rev + 1000)])).toBe(FUTURE);
    expect(await fails(t, ['compaction', String(rev + 1000)])).toBe(FUTURE);
  });

  // ------------------------------------------------------------------ cluster commands

  test('endpoint status prints one line per endpoint, one member the leader of all', async (t) => {
    const r = await ctl(t, ['endpoint', 'status'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.replace(/\n$/, '').split('\n').map((l) => l.split(', '));
    expect(rows.map((row) => row[0])).toEqual([...t.target.endpoints]);
    for (const row of rows) {
      // endpoint, id, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors
      expect(row).toHaveLength(10);
      expect(row[1]).toMatch(/^[0-9a-f]+$/);
      expect(row[2]).toMatch(/^3\.\d+\.\d+$/);
      expect(row[3]).toMatch(/^\d+(\.\d+)? (B|kB|MB|GB)$/);
      expect(['true', 'false']).toContain(row[4]);
      expect(row[5]).toBe('false');
      expect(Number(row[6])).toBeGreaterThan(0);
      expect(Number(row[7])).toBeGreaterThanOrEqual(Number(row[8]));
      expect(row[9]).toBe('');
    }
    if (!t.target.external) expect(rows.filter((row) => row[4] === 'true')).toHaveLength(1);
    // Ids, versions, sizes, terms and indexes differ between any two clusters; the layout must not.
    t.record('endpoint status (a line)', rows[0]!.map((f, i) => (i === 5 || i === 9 ? f : '<x>')).join(', '));
    const table = await ok(t, ['endpoint', 'status', '-w', 'table'], { unrecorded: true });
    const tableLines = table.split('\n');
    expect(tableLines[1]).toMatch(/^\| +ENDPOINT +\| +ID +\| +VERSION +\| +DB SIZE +\| +IS LEADER +\| +IS LEARNER +\| +RAFT TERM +\| +RAFT INDEX +\| +RAFT APPLIED INDEX +\| +ERRORS +\|$/);
    expect(tableLines).toHaveLength(t.target.endpoints.length + 5);
    t.record('endpoint status -w table (header)', tableLines[1]!.replace(/ +/g, ' '));
  });

  test('endpoint status -w json gives each endpoint its status, the database size included', async (t) => {
    const r = await ctl(t, ['endpoint', 'status', '-w', 'json'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { Endpoint: string; Status: Record<string, unknown> & { header: JsonHeader; leader: number; dbSize?: number; dbSizeInUse?: number } }[];
    expect(list.map((e) => e.Endpoint)).toEqual([...t.target.endpoints]);
    for (const { Status } of list) {
      expect(Object.keys(Status.header)).toEqual(['cluster_id', 'member_id', 'revision', 'raft_term']);
      expect(Status.leader).toBeGreaterThan(0);
      // A bbolt file is never empty; etcd reports its size.
      expect(Status.dbSize).toBeGreaterThan(0);
      expect(Status.dbSizeInUse).toBeGreaterThan(0);
    }
    t.record('endpoint status -w json (fields)', Object.keys(list[0]!.Status).join(','));
  });

  test('member list prints each member: id, started, name, peer URLs, client URLs, learner', async (t) => {
    const r = await ctl(t, ['member', 'list'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(', '));
    for (const row of rows) {
      expect(row).toHaveLength(6);
      expect(row[0]).toMatch(/^[0-9a-f]+$/);
      expect(row[1]).toBe('started');
      expect(row[5]).toBe('false');
    }
    // etcd lists members by id.
    const ids = rows.map((row) => BigInt(`0x${row[0]}`));
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    const members = t.target.members;
    if (members) {
      const got = rows.map((row) => `${row[2]} ${row[3]} ${row[4]}`).sort();
      expect(got).toEqual(members.map((m) => `${m.name} ${m.peerUrl} ${m.clientUrl}`).sort());
    }
    t.record('member list (shape of a line)', 'id, started, name, peer, client, false');
    const table = (await ok(t, ['member', 'list', '-w', 'table'], { unrecorded: true })).split('\n');
    expect(table[1]).toMatch(/^\| +ID +\| +STATUS +\| +NAME +\| +PEER ADDRS +\| +CLIENT ADDRS +\| +IS LEARNER +\|$/);
    t.record('member list -w table (header)', table[1]!.replace(/ +/g, ' '));
  });

  test('member list -w json: the header carries no revision', async (t) => {
    const r = await ctl(t, ['member', 'list', '-w', 'json'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { header: Record<string, number>; members: Record<string, unknown>[] };
    expect(Object.keys(json.header)).toEqual(['cluster_id', 'member_id', 'raft_term']);
    for (const m of json.members) expect(Object.keys(m)).toEqual(['ID', 'name', 'peerURLs', 'clientURLs']);
    t.record('member list -w json (fields)', `${Object.keys(json.header).join(',')} / ${Object.keys(json.members[0]!).join(',')}`);
  });

  test('endpoint health reports every endpoint healthy', async (t) => {
    const r = await ctl(t, ['endpoint', 'health'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    // etcdctl 3.4 prints the simple format on stderr. Each endpoint is checked at once; the lines
    // come in the order the answers do.
    const lines = r.stderr.trimEnd().split('\n').sort();
    const re = /^(\S+) is healthy: successfully committed proposal: took = [0-9.]+[µmn]?s$/;
    expect(lines.map((l) => re.exec(l)?.[1])).toEqual([...t.target.endpoints].sort());
    t.record('endpoint health (a line)', lines[0]!.replace(re, '<endpoint> is healthy: successfully committed proposal: took = <duration>'));
    const json = JSON.parse(await ok(t, ['endpoint', 'health', '-w', 'json'], { unrecorded: true })) as { endpoint: string; health: boolean }[];
    expect(json.map((e) => e.health)).toEqual(t.target.endpoints.map(() => true));
  });
}
