// etcdctl 3.4's lease, watch, lock and elect commands against a target: lease grant, keep-alive,
// timetolive --keys, revoke, list, put --lease; watch with --prefix, --rev (history, then live),
// --prev-kv, and below the compaction; lock and elect with two contenders and an observer. The
// expected texts are what etcd 3.4 prints. Lease ids differ between any two clusters: each test
// writes them as <L1>, <L2>, … in the order it learns them, and times that count down as <s>.
import { expect } from 'vitest';
import { etcdctl, spawnEtcdctl, type CtlExit, type CtlResult, type EtcdctlProcess } from './etcdctl-runner.js';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const ETCDCTL_LEASES_SUITE = 'etcdctl-leases';

/** Lease ids as placeholders, in the order a test learned them. */
class LeaseIds {
  private readonly ids: bigint[] = [];

  /** Learns the id (hex, as etcdctl prints it) and returns its placeholder. */
  learn(hex: string): string {
    const id = BigInt(`0x${hex}`);
    if (!this.ids.includes(id)) this.ids.push(id);
    return this.placeholder(id);
  }

  placeholder(id: bigint): string {
    return `<L${this.ids.indexOf(id) + 1}>`;
  }

  /** The learned ids: etcdctl prints them zero-padded (%016x), in lock and election keys unpadded (%x), in JSON decimal. */
  mask(text: string): string {
    let out = text;
    for (const id of this.ids) {
      const p = this.placeholder(id);
      const forms = [id.toString(16).padStart(16, '0'), id.toString(16), id.toString()];
      for (const f of [...new Set(forms)].sort((a, b) => b.length - a.length)) out = out.replace(new RegExp(`(?<![0-9a-f])${f}(?![0-9a-f])`, 'g'), p);
    }
    return out;
  }
}

interface CtlOptions {
  /** Keep out of the transcript (polling, and outputs that differ between any two clusters). */
  readonly unrecorded?: boolean;
}

/** One test's etcdctl: runs and records commands with the test's lease ids masked. */
class Session {
  readonly ids = new LeaseIds();
  private readonly started: EtcdctlProcess[] = [];

  constructor(readonly t: TestTools) {}

  record(label: string, text: string): void {
    this.t.record(this.ids.mask(label), this.ids.mask(text));
  }

  async run(args: readonly string[], options: CtlOptions = {}): Promise<CtlResult> {
    const r = await etcdctl(this.t.target.endpoints, args);
    // Learn what a grant printed before masking.
    for (const m of r.stdout.matchAll(/^lease ([0-9a-f]{16}) granted with/gm)) this.ids.learn(m[1]!);
    if (!options.unrecorded) this.record(`etcdctl ${args.join(' ')}`, `${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ''}[exit ${String(r.code)}]`);
    return r;
  }

  /** Runs etcdctl, expects it to succeed, and returns what it printed, masked. */
  async ok(args: readonly string[], options: CtlOptions = {}): Promise<string> {
    const r = await this.run(args, options);
    expect(r.code, `etcdctl ${args.join(' ')} failed:\n${r.stderr}`).toBe(0);
    return this.ids.mask(r.stdout);
  }

  /** Runs etcdctl, expects exit code 1, and returns its "Error: …" line, masked. */
  async fails(args: readonly string[]): Promise<string> {
    const r = await this.run(args);
    expect(r.code, `etcdctl ${args.join(' ')} should have failed; printed:\n${r.stdout}`).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    return this.ids.mask(lines[lines.length - 1] ?? '');
  }

  /** grant with -w json-free output: learns and returns the id's placeholder and the id. */
  async grant(ttl: number): Promise<{ hex: string; name: string }> {
    const out = (await this.run(['lease', 'grant', String(ttl)])).stdout;
    const hex = /^lease ([0-9a-f]{16}) granted/.exec(out)?.[1];
    if (hex === undefined) throw new Error(`lease grant printed: ${out}`);
    return { hex, name: this.ids.learn(hex) };
  }

  async revision(): Promise<number> {
    const r = await this.run(['get', 'revision-probe', '-w', 'json'], { unrecorded: true });
    return (JSON.parse(r.stdout) as { header: { revision: number } }).header.revision;
  }

  spawn(args: readonly string[]): EtcdctlProcess {
    const p = spawnEtcdctl(this.t.target.endpoints, args);
    this.started.push(p);
    return p;
  }

  /** Records what a long-running etcdctl printed (or the given part of it) and how it ended. */
  recordProcess(p: EtcdctlProcess, exit: CtlExit | undefined, stdout = p.stdout): void {
    const end = exit ? `[${exit.signal ? `killed by ${exit.signal}` : `exit ${String(exit.code)}`}]` : '[running]';
    const stderr = withoutCancelLogs(p.stderr);
    this.record(`etcdctl ${p.args.join(' ')}`, `${stdout}${stderr ? `[stderr]\n${stderr}` : ''}${end}`);
  }

  /** Keys under the prefix (polled while waiting: unrecorded). */
  async keys(prefix: string): Promise<string[]> {
    const r = await this.run(['get', prefix, '--prefix', '--keys-only'], { unrecorded: true });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((p) => p.stop('SIGKILL')));
  }
}

/**
 * etcdctl says nothing when its watch is created: puts `syncKey` (which the watch must see) until
 * the watch shows one; then puts `paddingKey` up to a fixed count, so that the revisions of the
 * tests after this one do not depend on how soon the watch was created. Returns the number of the
 * put that showed (its value is `sync-<n>`).
 */
async function syncWatch(s: Session, watcher: EtcdctlProcess, syncKey: string, paddingKey: string): Promise<number> {
  const attempts = 20;
  let sync = 0;
  for (;;) {
    sync++;
    await s.ok(['put', syncKey, `sync-${sync}`], { unrecorded: true });
    const shown = await watcher.until('the sync put', (out) => out.includes(`sync-${sync}\n`), 1000).then(
      () => true,
      () => false,
    );
    if (shown) break;
    if (sync === attempts) throw new Error(`etcdctl watch showed none of ${attempts} puts:\n${watcher.stdout}\n${watcher.stderr}`);
  }
  for (let i = sync; i < attempts; i++) await s.ok(['put', paddingKey, String(i)], { unrecorded: true });
  return sync;
}

/** Polls `probe` until it returns a value (a limit only against hangs). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** "remaining(59s)" → "remaining(<s>)", after checking 0 < remaining ≤ granted. */
function maskRemaining(text: string, granted: number): string {
  return text.replace(/remaining\((-?\d+)s\)/g, (_, s: string) => {
    expect(Number(s)).toBeGreaterThan(0);
    expect(Number(s)).toBeLessThanOrEqual(granted);
    return 'remaining(<s>)';
  });
}

/** etcd lists a lease's keys in no particular order: sorted here. */
function sortAttachedKeys(text: string): string {
  return text.replace(/attached keys\(\[([^\]]*)\]\)/g, (_, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`);
}

const lines = (...ls: string[]): string => ls.map((l) => `${l}\n`).join('');
const event = (type: 'PUT' | 'DELETE', key: string, value: string): string => lines(type, key, value);

export function etcdctlLeasesSuite(ctx: SuiteContext): void {
  const test = (name: string, body: (s: Session) => Promise<void>, options?: Parameters<typeof compatTest>[3]): void =>
    compatTest(
      ctx,
      name,
      async (t) => {
        const s = new Session(t);
        try {
          await body(s);
        } finally {
          await s.stopAll();
        }
      },
      options,
    );

  // ------------------------------------------------------------------ leases

  test('lease grant prints the id and the TTL; a TTL below the minimum is raised to it', async (s) => {
    const ten = await s.grant(10);
    const one = await s.grant(1);
    // etcd's minimum TTL is 1.5 election timeouts (1 s by default), rounded up: 2 s.
    s.record('granted', `${ten.name} ${one.name}`);
    expect(await s.ok(['lease', 'timetolive', ten.hex], { unrecorded: true })).toMatch(/^lease <L1> granted with TTL\(10s\), remaining\(\d+s\)\n$/);
    expect(await s.ok(['lease', 'revoke', ten.hex])).toBe('lease <L1> revoked\n');
    expect(await s.ok(['lease', 'revoke', one.hex])).toBe('lease <L2> revoked\n');
  });

  test(
    'put --lease attaches keys; timetolive --keys lists them; lease list shows the lease; revoke deletes them in one revision',
    async (s) => {
      const d = s.t.dir;
      const lease = await s.grant(60);
      expect(await s.ok(['put', `${d}a`, '1', `--lease=${lease.hex}`])).toBe('OK\n');
      expect(await s.ok(['put', `${d}b`, '2', `--lease=${lease.hex}`])).toBe('OK\n');
      const ttl = await s.run(['lease', 'timetolive', lease.hex], { unrecorded: true });
      s.record(`etcdctl lease timetolive ${lease.hex}`, maskRemaining(ttl.stdout, 60));
      expect(maskRemaining(s.ids.mask(ttl.stdout), 60)).toBe('lease <L1> granted with TTL(60s), remaining(<s>)\n');
      const withKeys = await s.run(['lease', 'timetolive', lease.hex, '--keys'], { unrecorded: true });
      const shown = sortAttachedKeys(maskRemaining(s.ids.mask(withKeys.stdout), 60));
      s.record(`etcdctl lease timetolive ${lease.hex} --keys`, shown);
      expect(shown).toBe(`lease <L1> granted with TTL(60s), remaining(<s>), attached keys([${d}a ${d}b])\n`);
      const json = JSON.parse((await s.run(['lease', 'timetolive', lease.hex, '--keys', '-w', 'json'], { unrecorded: true })).stdout) as Record<string, unknown>;
      expect(Object.keys(json)).toEqual(['cluster_id', 'member_id', 'revision', 'raft_term', 'id', 'ttl', 'granted-ttl', 'keys']);
      expect(BigInt(json.id as number).toString(16)).not.toBe('');
      expect(json['granted-ttl']).toBe(60);
      expect((json.keys as string[]).map((k) => Buffer.from(k, 'base64').toString()).sort()).toEqual([`${d}a`, `${d}b`]);
      s.record('timetolive -w json: fields, revision, granted-ttl, keys', JSON.stringify([Object.keys(json), json.revision, json['granted-ttl'], (json.keys as string[]).sort()]));

      const list = await s.ok(['lease', 'list']);
      expect(list).toBe('found 1 leases\n<L1>\n');

      const before = await s.revision();
      expect(await s.ok(['lease', 'revoke', lease.hex])).toBe('lease <L1> revoked\n');
      // Both keys went in one revision.
      const after = await s.revision();
      expect(after).toBe(before + 1);
      s.record('revisions before and after the revoke', `${before} ${after}`);
      expect(await s.ok(['get', d, '--prefix'])).toBe('');
      expect(await s.ok(['lease', 'timetolive', lease.hex, '--keys'])).toBe('lease <L1> already expired\n');
      expect(await s.fails(['lease', 'revoke', lease.hex])).toBe('Error: failed to revoke lease (etcdserver: requested lease not found)');
      expect(await s.fails(['put', `${d}c`, '3', `--lease=${lease.hex}`])).toBe('Error: etcdserver: requested lease not found');
      expect(await s.ok(['lease', 'list'])).toBe('found 0 leases\n');
    },
    { notExternal: 'lease list shows every lease of the server' },
  );

  test('lease keep-alive renews the lease every third of its TTL until stopped; then the lease expires and takes its key', async (s) => {
    const d = s.t.dir;
    const lease = await s.grant(3);
    expect(await s.ok(['put', `${d}k`, 'v', `--lease=${lease.hex}`])).toBe('OK\n');
    const keeper = s.spawn(['lease', 'keep-alive', lease.hex]);
    // Five renewals, a third of the TTL apart, span more than the TTL.
    const renewals = 5;
    const printed = await keeper.until(`${renewals} renewals`, (out) => out.split('\n').length > renewals);
    const first = printed.split('\n').slice(0, renewals).join('\n') + '\n';
    expect(s.ids.mask(first)).toBe(lines(...Array.from({ length: renewals }, () => 'lease <L1> keepalived with TTL(3)')));
    const exit = await keeper.stop('SIGTERM');
    s.recordProcess(keeper, exit, first);
    expect(await s.ok(['get', `${d}k`, '--print-value-only'])).toBe('v\n');

    // Nobody renews it now: it expires, and its key goes with it.
    await until('expiry', async () => ((await s.keys(d)).length === 0 ? true : undefined));
    expect(await s.ok(['lease', 'timetolive', lease.hex])).toBe('lease <L1> already expired\n');
    expect(await s.ok(['lease', 'keep-alive', lease.hex])).toBe('lease <L1> expired or revoked.\n');
    const once = await s.run(['lease', 'keep-alive', '--once', lease.hex]);
    expect(once.code).toBe(2);
    expect(once.stderr.trim().split('\n').pop()).toBe('Error: etcdserver: requested lease not found');
    expect(await s.ok(['get', `${d}k`])).toBe('');
  });

  test('lease keep-alive --once renews once and prints the TTL', async (s) => {
    const lease = await s.grant(20);
    expect(await s.ok(['lease', 'keep-alive', '--once', lease.hex])).toBe('lease <L1> keepalived with TTL(20)\n');
    expect(await s.ok(['lease', 'revoke', lease.hex])).toBe('lease <L1> revoked\n');
  });

  // ------------------------------------------------------------------ watch

  test('watch --prefix prints each put and delete under the prefix as it happens, nothing outside it', async (s) => {
    const d = s.t.dir;
    const watcher = s.spawn(['watch', '--prefix', `${d}w/`]);
    const sync = await syncWatch(s, watcher, `${d}w/sync`, `${d}padding`);
    const from = watcher.stdout.lastIndexOf(`sync-${sync}\n`) + `sync-${sync}\n`.length;
    await s.ok(['put', `${d}w/a`, '1']);
    await s.ok(['put', `${d}outside`, 'x']);
    await s.ok(['put', `${d}w/b`, '2']);
    await s.ok(['put', `${d}w/a`, '3']);
    await s.ok(['del', `${d}w/a`]);
    await s.ok(['del', `${d}w/`, '--prefix']);
    const expected =
      event('PUT', `${d}w/a`, '1') + event('PUT', `${d}w/b`, '2') + event('PUT', `${d}w/a`, '3') + event('DELETE', `${d}w/a`, '') +
      // One delete of two keys: one response, both events.
      event('DELETE', `${d}w/b`, '') + event('DELETE', `${d}w/sync`, '');
    await watcher.until('every event', (out) => out.length - from >= expected.length);
    const exit = await watcher.stop();
    const seen = watcher.stdout.slice(from);
    s.recordProcess(watcher, exit, seen);
    expect(seen).toBe(expected);
  });

  test('watch --rev replays history from that revision, then goes on with new events', async (s) => {
    const d = s.t.dir;
    const start = (await s.revision()) + 1;
    await s.ok(['put', `${d}a`, '1']);
    await s.ok(['put', `${d}b`, '2']);
    await s.ok(['put', `${d}a`, '3']);
    await s.ok(['del', `${d}b`]);
    const history = event('PUT', `${d}a`, '1') + event('PUT', `${d}b`, '2') + event('PUT', `${d}a`, '3') + event('DELETE', `${d}b`, '');
    const watcher = s.spawn(['watch', '--prefix', d, '--rev', String(start)]);
    await watcher.until('the history', (out) => out.length >= history.length);
    expect(watcher.stdout).toBe(history);
    await s.ok(['put', `${d}c`, '4']);
    await watcher.until('the new event', (out) => out.length >= history.length + event('PUT', `${d}c`, '4').length);
    const exit = await watcher.stop();
    s.recordProcess(watcher, exit);
    expect(watcher.stdout).toBe(history + event('PUT', `${d}c`, '4'));

    // One key, from a revision between its puts: only its later events.
    const single = s.spawn(['watch', `${d}a`, '--rev', String(start + 1)]);
    await single.until('the history', (out) => out.length >= event('PUT', `${d}a`, '3').length);
    s.recordProcess(single, await single.stop());
    expect(single.stdout).toBe(event('PUT', `${d}a`, '3'));

    // -w json: the replay arrives as one response, its header at the revision the replay reached.
    const json = s.spawn(['watch', `${d}a`, '--rev', String(start), '-w', 'json']);
    await json.until('the response', (out) => out.includes('\n'));
    s.recordProcess(json, await json.stop(), json.stdout.replace(/"(cluster_id|member_id|raft_term)":\d+/g, '"$1":<id>'));
    const parsed = JSON.parse(json.stdout.split('\n')[0]!) as { Events: { kv: { mod_revision: number } }[] };
    expect(parsed.Events.map((e) => e.kv.mod_revision)).toEqual([start, start + 2]);
  });

  test('watch --prev-kv prints the previous key and value before each event', async (s) => {
    const d = s.t.dir;
    await s.ok(['put', `${d}k`, 'old']);
    // From the next revision on: the watch need not be created before the puts.
    const from = (await s.revision()) + 1;
    const watcher = s.spawn(['watch', `${d}k`, '--prev-kv', '--rev', String(from)]);
    await s.ok(['put', `${d}k`, 'new']);
    await s.ok(['put', `${d}k`, 'newer']);
    await s.ok(['del', `${d}k`]);
    await s.ok(['put', `${d}k`, 'again']);
    const expected =
      lines('PUT', `${d}k`, 'old', `${d}k`, 'new') +
      lines('PUT', `${d}k`, 'new', `${d}k`, 'newer') +
      lines('DELETE', `${d}k`, 'newer', `${d}k`, '') +
      // Created anew: no previous pair.
      lines('PUT', `${d}k`, 'again');
    await watcher.until('every event', (out) => out.length >= expected.length);
    s.recordProcess(watcher, await watcher.stop());
    expect(watcher.stdout).toBe(expected);
  });

  // etcd 3.4 takes a negative start revision as "from now": the watcher starts unsynced, finds
  // no history at that revision, and goes on with new events only.
  test('watch --rev with a negative revision replays no history: only what happens after the watch is created', async (s) => {
    const d = s.t.dir;
    await s.ok(['put', `${d}old`, 'history']);
    const watcher = s.spawn(['watch', '--prefix', d, '--rev=-1']);
    await syncWatch(s, watcher, `${d}sync`, `${d.slice(0, -1)}.padding`);
    await s.ok(['put', `${d}new`, 'live']);
    await watcher.until('the new event', (out) => out.includes(`${d}new\nlive\n`));
    const exit = await watcher.stop();
    const seen = watcher.stdout.replace(new RegExp(`PUT\n${d}sync\nsync-\\d+\n`, 'g'), '');
    s.recordProcess(watcher, exit, seen);
    expect(seen).toBe(event('PUT', `${d}new`, 'live'));
  });

  test(
    'watch --rev below the compaction is canceled with the compacted revision; a watch already running goes on',
    async (s) => {
      const d = s.t.dir;
      const r1 = (await s.revision()) + 1;
      await s.ok(['put', `${d}k`, '1']);
      await s.ok(['put', `${d}k`, '2']);
      const live = s.spawn(['watch', `${d}k`, '--rev', String(r1 + 2)]);
      await s.ok(['put', `${d}k`, '3']);
      await live.until('the live event', (out) => out === event('PUT', `${d}k`, '3'));
      expect(await s.ok(['compaction', String(r1 + 2)])).toBe(`compacted revision ${r1 + 2}\n`);
      const old = s.spawn(['watch', `${d}k`, '--rev', String(r1)]);
      const exit = await old.exited;
      s.recordProcess(old, exit);
      expect(old.stdout).toBe('');
      expect(old.stderr).toBe('watch was canceled (etcdserver: mvcc: required revision has been compacted)\nError: watch is canceled by the server\n');
      expect(exit).toEqual({ code: 5, signal: null });
      // At the compaction revision itself the history is still there.
      const at = s.spawn(['watch', `${d}k`, '--rev', String(r1 + 2)]);
      await at.until('the history', (out) => out.length >= event('PUT', `${d}k`, '3').length);
      s.recordProcess(at, await at.stop());
      expect(at.stdout).toBe(event('PUT', `${d}k`, '3'));
      await s.ok(['put', `${d}k`, '4']);
      await live.until('the next event', (out) => out === event('PUT', `${d}k`, '3') + event('PUT', `${d}k`, '4'));
      s.recordProcess(live, await live.stop());
    },
    { notExternal: 'it compacts the shared server' },
  );

  // ------------------------------------------------------------------ lock and elect

  test('lock: the second contender waits until the first releases the lock', async (s) => {
    const name = `${s.t.dir}lk`;
    const first = s.spawn(['lock', name]);
    const held = await first.until('the lock', (out) => out.endsWith('\n\n'));
    const key1 = held.split('\n')[0]!;
    expect(key1.startsWith(`${name}/`)).toBe(true);
    s.ids.learn(key1.slice(name.length + 1));
    expect(s.ids.mask(held)).toBe(lines(`${name}/<L1>`, ''));

    const second = s.spawn(['lock', name]);
    // The second contender's key is in place: it is waiting for the first one's to go.
    const queued = await until('the second contender to queue', async () => {
      const keys = await s.keys(name);
      return keys.length === 2 ? keys : undefined;
    });
    const key2 = queued.find((k) => k !== key1)!;
    s.ids.learn(key2.slice(name.length + 1));
    expect(second.stdout).toBe('');

    const released = await first.stop('SIGTERM');
    s.recordProcess(first, released);
    expect(released).toEqual({ code: 0, signal: null });
    const got = await second.until('the lock', (out) => out.endsWith('\n\n'));
    expect(s.ids.mask(got)).toBe(lines(`${name}/<L2>`, ''));
    expect(await s.ok(['get', name, '--prefix', '--keys-only'])).toBe(lines(`${name}/<L2>`, ''));
    const end = await second.stop('SIGTERM');
    s.recordProcess(second, end);
    expect(end).toEqual({ code: 0, signal: null });
    expect(await s.ok(['get', name, '--prefix'])).toBe('');
  });

  test('lock with a command runs it holding the lock, with the key and its revision in the environment', async (s) => {
    const name = `${s.t.dir}lk`;
    const r = await s.run(['lock', name, '--', 'sh', '-c', 'echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV'], { unrecorded: true });
    const m = /^key=(\S+)\/([0-9a-f]+) rev=(\d+)\n$/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    s.ids.learn(m![2]!);
    s.record(`etcdctl lock ${name} -- sh -c 'echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV'`, `${r.stdout}[exit ${String(r.code)}]`);
    expect(m![1]).toBe(name);
    // The revision at which the lock was taken; releasing it deleted the key since.
    expect(Number(m![3])).toBeLessThan(await s.revision());
    expect(await s.ok(['get', name, '--prefix'])).toBe('');
  });

  test('elect: the second candidate waits until the leader resigns; elect -l prints each leader', async (s) => {
    const name = `${s.t.dir}el`;
    const first = s.spawn(['elect', name, 'p1']);
    const won = await first.until('the election', (out) => out.endsWith('\np1\n'));
    const key1 = won.split('\n')[0]!;
    s.ids.learn(key1.slice(name.length + 1));
    expect(s.ids.mask(won)).toBe(lines(`${name}/<L1>`, 'p1'));

    const observer = s.spawn(['elect', '-l', name]);
    await observer.until('the leader', (out) => out.endsWith('\np1\n'));

    const second = s.spawn(['elect', name, 'p2']);
    const queued = await until('the second candidate to queue', async () => {
      const keys = await s.keys(name);
      return keys.length === 2 ? keys : undefined;
    });
    s.ids.learn(queued.find((k) => k !== key1)!.slice(name.length + 1));
    expect(second.stdout).toBe('');

    // The leader resigns (etcdctl does on SIGTERM): the second is elected, the observer sees it.
    const resigned = await first.stop('SIGTERM');
    s.recordProcess(first, resigned);
    expect(resigned).toEqual({ code: 0, signal: null });
    const next = await second.until('the election', (out) => out.endsWith('\np2\n'));
    expect(s.ids.mask(next)).toBe(lines(`${name}/<L2>`, 'p2'));
    const observed = await observer.until('the next leader', (out) => out.endsWith('\np2\n'));
    expect(s.ids.mask(observed)).toBe(lines(`${name}/<L1>`, 'p1', `${name}/<L2>`, 'p2'));

    // A new observer starts with the current leader.
    const late = s.spawn(['elect', '-l', name]);
    const current = await late.until('the leader', (out) => out.endsWith('\np2\n'));
    expect(s.ids.mask(current)).toBe(lines(`${name}/<L2>`, 'p2'));

    const ends = await Promise.all([second, observer, late].map((p) => p.stop('SIGTERM')));
    s.recordProcess(second, ends[0]);
    s.recordProcess(observer, ends[1]);
    s.recordProcess(late, ends[2]);
    expect(ends).toEqual([0, 1, 2].map(() => ({ code: 0, signal: null })));
    expect(await s.ok(['get', name, '--prefix'])).toBe('');
  });
}

/**
 * Drops the client's log of a call cut short by the interrupt that ended the process: whether a
 * call was in flight at that moment is timing, not an answer of the server.
 */
function withoutCancelLogs(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !(line.startsWith('{"level":') && line.includes('code = Canceled desc = context canceled')))
    .join('\n');
}
