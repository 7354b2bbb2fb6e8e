// The etcd3 npm client's recipes on leases and watches against a target: a lease the client keeps
// alive keeps its key past the TTL and lets it go once no longer renewed; revoke deletes the keys,
// and a lease revoked elsewhere is reported lost; watchers see puts and deletes in order, replay
// history from a start revision, share one stream, hear progress notifications and are canceled
// from a compacted revision; of two lockers, or many at once, one holds the lock; an election hands
// over from one candidate to the next while an observer sees the leader's values and both leaders.
// What it answers is what it answers against etcd 3.4; lease ids, which differ between any two
// clusters, are not recorded.
import { Etcd3, EtcdLockFailedError, type IWatchResponse, type Namespace, type Watcher } from 'etcd3';
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

/** A watcher's puts and deletes as "put key=value" / "delete key", in the order they come. */
function events(watcher: Watcher): string[] {
  const seen: string[] = [];
  watcher.on('put', (kv) => seen.push(`put ${kv.key.toString()}=${kv.value.toString()}`));
  watcher.on('delete', (kv) => seen.push(`delete ${kv.key.toString()}`));
  return seen;
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

  test('a keep-alive of a lease another client revoked reports the lease lost', async (t) => {
    const lease = ns(t).lease(30, { autoKeepAlive: false });
    const id = await lease.grant();
    // Revoked behind the back of the lease object, which still believes in it.
    await connect().leaseClient.leaseRevoke({ ID: id });
    const once = await lease.keepaliveOnce().then(
      () => 'renewed',
      (e: unknown) => `threw ${e instanceof Error ? e.constructor.name : String(e)}`,
    );
    t.record('keepaliveOnce after another client revoked the lease', once);
    expect(once).toBe('threw EtcdLeaseInvalidError');
  });

  test('a watcher of one key sees its puts and deletes in order, and nothing of other keys', async (t) => {
    const kv = ns(t);
    const watcher = await kv.watch().key('one').create();
    const seen = events(watcher);
    await kv.put('one').value('a');
    await kv.put('other').value('x');
    await kv.put('one').value('b');
    await kv.delete().key('one');
    await kv.put('one').value('c');
    await until('four events', () => seen.length >= 4);
    await watcher.cancel();
    t.record('events', seen.join('; '));
    expect(seen).toEqual(['put one=a', 'put one=b', 'delete one', 'put one=c']);
  });

  test('a watcher from a start revision replays the history since, then goes on with new events', async (t) => {
    const kv = ns(t);
    const first = await kv.put('hist').value('1').exec();
    await kv.put('hist').value('2');
    const watcher = await kv.watch().key('hist').startRevision(first.header.revision).create();
    const seen = events(watcher);
    await until('the history', () => seen.length >= 2);
    await kv.put('hist').value('3');
    await until('the new event', () => seen.length >= 3);
    await watcher.cancel();
    t.record('events', seen.join('; '));
    expect(seen).toEqual(['put hist=1', 'put hist=2', 'put hist=3']);
  });

  test('watchers share the client’s one stream: canceling one leaves the others watching', async (t) => {
    const kv = ns(t);
    const all = await kv.watch().key('multi').create();
    const deletes = await kv.watch().key('multi').only('delete').create();
    const seenAll = events(all);
    const seenDeletes = events(deletes);
    await all.cancel();
    await kv.put('multi').value('after the cancel');
    await kv.delete().key('multi');
    await until('the delete', () => seenDeletes.length >= 1);
    // One stream, events in revision order: the put would have reached the canceled watcher first.
    t.record('the canceled watcher saw, the other saw', `[${seenAll.join('; ')}] [${seenDeletes.join('; ')}]`);
    expect(seenAll).toEqual([]);
    expect(seenDeletes).toEqual(['delete multi']);
    await deletes.cancel();
  });

  test('a watcher hears progress notifications while nothing changes: no events, the current revision', async (t) => {
    const kv = ns(t);
    const written = await kv.put('quiet').value('v').exec();
    const watcher = await kv.watch().key('quiet').create();
    // On a cluster the watching member may apply the put a little later: its notifications say so.
    const progress = await new Promise<IWatchResponse>((resolve) => {
      watcher.on('data', (res) => {
        if (res.events.length === 0 && BigInt(res.header.revision) >= BigInt(written.header.revision)) resolve(res);
      });
    });
    await watcher.cancel();
    const text = `events ${progress.events.length}, ${progress.header.revision === written.header.revision ? 'the revision of the last write' : `revision ${progress.header.revision}`}`;
    t.record('a progress notification', text);
    expect(text).toBe('events 0, the revision of the last write');
  });

  test('a watcher from a compacted revision is canceled with an error', async (t) => {
    const kv = ns(t);
    await kv.put('gone').value('1');
    const second = await kv.put('gone').value('2').exec();
    const third = await kv.put('gone').value('3').exec();
    await etcd().kv.compact({ revision: third.header.revision });
    const watcher = kv.watch().key('gone').startRevision(second.header.revision).watcher();
    const error = await new Promise<Error>((resolve) => watcher.on('error', resolve));
    t.record('error', `${error.constructor.name}: ${error.message}`);
    expect(error.message).toMatch(/^Watcher canceled/);
  });

  test('of many clients that try one lock at once, exactly one gets it; the others fail at once', async (t) => {
    const kv = ns(t);
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => kv.lock('contended').acquire()));
    const refused = attempts.filter((a) => a.status === 'rejected' && a.reason instanceof EtcdLockFailedError).length;
    const acquired = attempts.filter((a) => a.status === 'fulfilled');
    t.record('acquired, refused', `${acquired.length}, ${refused}`);
    expect([acquired.length, refused]).toEqual([1, 7]);
    for (const a of acquired) await a.value.release();
    expect(await kv.getAll().prefix('contended').keys()).toEqual([]);
  });

  test('Election proclaim: the leader’s new value reaches the observer while the next candidate waits', async (t) => {
    const election = ns(t).election('singer', 30);
    const first = await election.campaign('alice').wait();
    const observer = await election.observe();
    const changes: (string | undefined)[] = [];
    observer.on('change', (v) => changes.push(v));
    t.record('observer starts with', String(observer.leader()));
    expect(observer.leader()).toBe('alice');

    let secondElected = false;
    const second = election.campaign('bob');
    second.on('elected', () => (secondElected = true));
    await until('both candidates', async () => (await ns(t).getAll().prefix('election/singer/').keys()).length === 2);
    await first.proclaim('alice, louder');
    await until('the observer to see the new value', () => changes.length >= 1);
    t.record('after the proclaim: changes, second elected', `${JSON.stringify(changes)} ${secondElected}`);
    expect(changes).toEqual(['alice, louder']);
    expect(secondElected).toBe(false);

    await first.resign();
    await second.wait();
    await until('the observer to see the next leader', () => changes.length >= 2);
    t.record('after the resign', `${JSON.stringify(changes)} leader=${String(await election.leader())}`);
    expect(changes).toEqual(['alice, louder', 'bob']);
    await observer.cancel();
    await second.resign();
    expect(await election.leader()).toBeUndefined();
  });
}
