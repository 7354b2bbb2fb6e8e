// The etcd3 npm client's recipes on leases and watches against a target: a lease the client keeps
// alive keeps its key past the TTL and lets it go once no longer renewed; revoke deletes the keys;
// a watcher sees puts and deletes in order; two lockers exclude each other; an election hands
// over from one candidate to the next while an observer sees both. What it answers is what it
// answers against etcd 3.4; lease ids, which differ between any two clusters, are not recorded.
import { Etcd3, EtcdLockFailedError, type Namespace } from 'etcd3';
import { afterAll, expect } from 'vitest';
import { compatTest, type SuiteContext, type TestTools } from './suite.js';

export const ETCD3_LEASES_SUITE = 'etcd3 client leases';

/** Waits until `condition` holds, re-checking whenever `changes` signals (a limit only against hangs). */
async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Recorded {
  readonly type: string;
  readonly key: string;
  readonly value: string;
  readonly modRevision: string;
  readonly prev: string | undefined;
}

export function etcd3LeasesSuite(ctx: SuiteContext): void {
  const clients: Etcd3[] = [];
  const connect = (): Etcd3 => {
    const c = new Etcd3({ hosts: ctx.target.endpoints.map((e) => `http://${e}`), dialTimeout: 5000 });
    clients.push(c);
    return c;
  };
  let shared: Etcd3 | undefined;
  const etcd = (): Etcd3 => (shared ??= connect());
  afterAll(() => {
    for (const c of clients) c.close();
  });
  const ns = (t: TestTools, client = etcd()): Namespace => client.namespace(t.dir);
  const test = (name: string, body: (t: TestTools) => Promise<void>, options?: Parameters<typeof compatTest>[3]): void =>
    compatTest(ctx, name, body, options);

  test('a lease the client keeps alive keeps its key past the TTL; once the client lets go it expires and takes the key', async (t) => {
    const kv = ns(t);
    // etcd's minimum TTL: the client renews every third of it.
    const lease = kv.lease(2);
    const ttls: string[] = [];
    lease.on('keepaliveSucceeded', (res) => ttls.push(String(res.TTL)));
    await lease.put('k').value('v');
    // Five renewals, a third of the TTL apart: more than the TTL since the grant.
    await until('five renewals', () => ttls.length >= 5);
    t.record('TTL of the first five renewals', ttls.slice(0, 5).join(' '));
    expect(ttls.slice(0, 5)).toEqual(['2', '2', '2', '2', '2']);
    const kept = await kv.get('k').string();
    t.record('get k after five renewals', String(kept));
    expect(kept).toBe('v');

    const watcher = await kv.watch().key('k').create();
    const deleted = new Promise<string>((resolve) => watcher.once('delete', (res) => resolve(`${res.key.toString()} deleted`)));
    // release() stops the renewals without revoking: the lease now runs out.
    lease.release();
    const gone = await deleted;
    await watcher.cancel();
    t.record('after the client let go of the lease', gone);
    expect(await kv.get('k').string()).toBeNull();
  });

  test('revoke deletes every key of the lease; the lease is then gone', async (t) => {
    const kv = ns(t);
    const lease = kv.lease(30);
    await lease.put('a').value('1');
    await lease.put('b').value('2');
    const before = await kv.getAll().keys();
    t.record('keys with the lease', before.sort().join(' '));
    expect(before.sort()).toEqual(['a', 'b']);
    await lease.revoke();
    const after = await kv.getAll().keys();
    t.record('keys after revoke', after.join(' '));
    expect(after).toEqual([]);
    const once = await lease.keepaliveOnce().then(
      () => 'renewed',
      (e: unknown) => `threw ${e instanceof Error ? e.constructor.name : String(e)}`,
    );
    t.record('keepaliveOnce after revoke', once);
    expect(once).toBe('threw EtcdLeaseInvalidError');
  });

  test('a watcher sees every put and delete under its prefix, in order, with the previous values', async (t) => {
    const kv = ns(t);
    const watcher = await kv.watch().prefix('w/').withPreviousKV().create();
    const seen: Recorded[] = [];
    watcher.on('data', (res) => {
      for (const e of res.events) {
        seen.push({ type: String(e.type), key: e.kv.key.toString(), value: e.kv.value.toString(), modRevision: String(e.kv.mod_revision), prev: e.prev_kv ? e.prev_kv.value.toString() : undefined });
      }
    });
    const revisions: string[] = [];
    const rev = (r: { header: { revision: string } }): void => {
      revisions.push(r.header.revision);
    };
    rev(await kv.put('w/a').value('1').exec());
    rev(await kv.put('outside').value('x').exec());
    rev(await kv.put('w/b').value('2').exec());
    rev(await kv.put('w/a').value('3').exec());
    rev(await kv.delete().key('w/a').exec());
    rev(await kv.put('w/b').value('4').exec());
    // One delete of the remaining key under the prefix, and a key outside it untouched.
    rev(await kv.delete().prefix('w/').exec());
    await until('every event', () => seen.length >= 6);
    await watcher.cancel();
    t.record('events', JSON.stringify(seen));
    const [r1, , r3, r4, r5, r6, r7] = revisions;
    expect(seen).toEqual([
      { type: 'Put', key: 'w/a', value: '1', modRevision: r1, prev: undefined },
      { type: 'Put', key: 'w/b', value: '2', modRevision: r3, prev: undefined },
      { type: 'Put', key: 'w/a', value: '3', modRevision: r4, prev: '1' },
      { type: 'Delete', key: 'w/a', value: '', modRevision: r5, prev: '3' },
      { type: 'Put', key: 'w/b', value: '4', modRevision: r6, prev: '2' },
      { type: 'Delete', key: 'w/b', value: '', modRevision: r7, prev: '4' },
    ]);
  });

  test('Lock excludes: two clients taking turns on one lock are never inside at once, and no increment is lost', async (t) => {
    const a = ns(t);
    const b = ns(t, connect());
    // The client's lock is a try-lock: it fails at once while someone holds the lock.
    const held = await a.lock('mutex').acquire();
    const denied = await b.lock('mutex').acquire().then(
      () => 'acquired',
      (e: unknown) => (e instanceof EtcdLockFailedError ? 'EtcdLockFailedError' : String(e)),
    );
    t.record('acquire while held', denied);
    expect(denied).toBe('EtcdLockFailedError');
    await held.release();

    let inside = 0;
    let most = 0;
    let denials = 0;
    const rounds = 10;
    const locker = async (kv: Namespace): Promise<void> => {
      for (let i = 0; i < rounds; i++) {
        for (;;) {
          try {
            await kv.lock('mutex').do(async () => {
              inside++;
              most = Math.max(most, inside);
              // Read, yield, write: without mutual exclusion increments would be lost.
              const n = Number((await kv.get('counter').string()) ?? '0');
              await new Promise((r) => setImmediate(r));
              await kv.put('counter').value(String(n + 1));
              inside--;
            });
            break;
          } catch (e) {
            if (!(e instanceof EtcdLockFailedError)) throw e;
            denials++;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }
    };
    await Promise.all([locker(a), locker(b)]);
    const counter = await a.get('counter').string();
    t.record('counter, most lockers inside at once', `${counter} ${most}`);
    expect(counter).toBe(String(2 * rounds));
    expect(most).toBe(1);
    // Each locker at times found the lock taken: they did contend.
    expect(denials).toBeGreaterThan(0);
    expect(await a.getAll().prefix('mutex').keys()).toEqual([]);
  });

  test('Election hands over: the second candidate is elected once the first resigns, and the observer sees both leaders', async (t) => {
    const election = ns(t).election('el');
    const first = election.campaign('p1');
    await first.wait();
    const leader1 = await election.leader();
    t.record('leader after the first campaign', String(leader1));
    expect(leader1).toBe('p1');

    const observer = await election.observe();
    const changes: (string | undefined)[] = [];
    observer.on('change', (v) => changes.push(v));
    t.record('observer starts with', String(observer.leader()));
    expect(observer.leader()).toBe('p1');

    const second = election.campaign('p2');
    let secondElected = false;
    second.on('elected', () => (secondElected = true));
    const secondKey = await second.getCampaignKey();
    // Both candidates' keys are in place: the second waits.
    await until('both candidates', async () => (await ns(t).getAll().prefix('election/el/').keys()).length === 2);
    expect(secondKey.startsWith(`${t.dir}election/el/`)).toBe(true);
    expect(secondElected).toBe(false);
    expect(await election.leader()).toBe('p1');

    await first.resign();
    await second.wait();
    const leader2 = await election.leader();
    t.record('leader after the first resigned', String(leader2));
    expect(leader2).toBe('p2');
    await until('the observer to see the new leader', () => changes.includes('p2'));
    t.record('observer changes', JSON.stringify(changes));
    expect(changes).toEqual(['p2']);

    await second.resign();
    await observer.cancel();
    expect(await election.leader()).toBeUndefined();
  });
}
