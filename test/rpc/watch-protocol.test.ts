// The Watch service's protocol, through real gRPC against a TestMember: what each request is
// answered with, in which order, with which ids and header revisions (etcd 3.4's answers, checked
// against a real etcd in watch-etcd-compare.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchResponse } from '../../rpc/etcd-api.js';
import { DUPLICATE_ID_REASON, EMPTY_RANGE_REASON } from '../../rpc/watch-request.js';
import { RawWatchStream, watchClient } from './watch-test-client.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

const b = (s: string): Buffer => Buffer.from(s);

async function put(member: TestMember, key: string, value: string): Promise<number> {
  const r = await member.write({ type: 'put', request: { key: b(key), value: b(value) } });
  return r.response.revision;
}

async function del(member: TestMember, key: string): Promise<number> {
  const r = await member.write({ type: 'deleteRange', request: { key: b(key) } });
  return r.response.revision;
}

/** Each event as "PUT key=value@rev" / "DELETE key@rev", with " prev=value" when it carries one. */
function events(r: WatchResponse): string[] {
  return r.events.map((e) => {
    const kv = e.kv!;
    const body = e.type === 'PUT' ? `PUT ${kv.key}=${kv.value}@${kv.mod_revision}` : `DELETE ${kv.key}@${kv.mod_revision}`;
    return e.prev_kv ? `${body} prev=${e.prev_kv.value}` : body;
  });
}

describe('the Watch service', () => {
  let served: ServedMember;
  let member: TestMember;
  let watch: RawWatchStream;

  beforeEach(async () => {
    served = await serveServices(new TestMember(), { progressNotifyIntervalMs: 20, maxResponseBytes: 1000 });
    member = served.member;
    watch = new RawWatchStream(watchClient(served.address));
  });

  afterEach(async () => {
    watch.close();
    await served.close();
  });

  it('answers a create with created, the current revision and the id, before any event of the watcher', async () => {
    await put(member, 'a', '1');
    await put(member, 'a', '2');
    await put(member, 'b', '3');
    watch.create({ key: b('a'), start_revision: '2' });
    const created = await watch.next();
    expect(created).toMatchObject({ created: true, canceled: false, watch_id: '0', events: [] });
    expect(created.header).toEqual({ cluster_id: '29', member_id: '46', revision: '4', raft_term: '3' });
    const history = await watch.next();
    expect(history.watch_id).toBe('0');
    expect(events(history)).toEqual(['PUT a=1@2', 'PUT a=2@3']);
    // A catch-up that reached the member's revision reports that revision, as etcd's does.
    expect(history.header!.revision).toBe('4');
    await put(member, 'a', '4');
    const live = await watch.next();
    expect(live.header!.revision).toBe('5');
  });

  it('gives out ids as etcd does: from 0 up, skipping ids in use, refusing one in use', async () => {
    watch.create({ key: b('a') });
    watch.create({ key: b('a'), watch_id: '2' });
    watch.create({ key: b('a') });
    watch.create({ key: b('a') });
    watch.create({ key: b('a'), watch_id: '2' });
    const answers = await watch.take(5);
    expect(answers.map((r) => r.watch_id)).toEqual(['0', '2', '1', '3', '-1']);
    expect(answers.every((r) => r.created)).toBe(true);
    expect(answers[4]).toMatchObject({ canceled: true, cancel_reason: DUPLICATE_ID_REASON });
    expect(answers[4]!.header!.revision).toBe('1');

    // A canceled id is free again for a client that names it; the server's count only goes up.
    watch.cancel('1');
    expect(await watch.next()).toMatchObject({ watch_id: '1', canceled: true, created: false });
    watch.create({ key: b('a'), watch_id: '1' });
    watch.create({ key: b('a') });
    expect((await watch.take(2)).map((r) => [r.watch_id, r.canceled])).toEqual([
      ['1', false],
      ['4', false],
    ]);
  });

  it('refuses a range that holds no key, as etcd does', async () => {
    watch.create({ key: b('b'), range_end: b('a') });
    watch.create({ key: b('b'), range_end: b('b') });
    for (const r of await watch.take(2)) {
      expect(r).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: EMPTY_RANGE_REASON });
    }
    // The refused requests took no id.
    watch.create({ key: b('b') });
    expect((await watch.next()).watch_id).toBe('0');
  });

  it('sends the events of one revision together, with the header at that revision', async () => {
    watch.create({ key: b('p/'), range_end: b('p0') });
    await watch.next();
    await member.write({
      type: 'txn',
      request: {
        success: [
          { type: 'put', request: { key: b('p/1'), value: b('x') } },
          { type: 'put', request: { key: b('q'), value: b('outside') } },
          { type: 'put', request: { key: b('p/2'), value: b('y') } },
        ],
      },
    });
    await del(member, 'p/1');
    const txn = await watch.next();
    expect(events(txn)).toEqual(['PUT p/1=x@2', 'PUT p/2=y@2']);
    expect(txn.header!.revision).toBe('2');
    const deletion = await watch.next();
    expect(events(deletion)).toEqual(['DELETE p/1@3']);
    expect(deletion.header!.revision).toBe('3');
  });

  it('covers every key from `key` on with range_end "\\0", and every key with an empty key too', async () => {
    watch.create({ key: b('m'), range_end: Buffer.from([0]) });
    watch.create({ key: Buffer.alloc(0), range_end: Buffer.from([0]) });
    await watch.take(2);
    await put(member, 'a', '1');
    await put(member, 'z', '2');
    const got = await watch.take(3);
    expect(got.map((r) => `${r.watch_id}:${events(r).join()}`).sort()).toEqual(['0:PUT z=2@3', '1:PUT a=1@2', '1:PUT z=2@3']);
  });

  it('carries prev_kv only to watchers that asked, and applies NOPUT and NODELETE', async () => {
    await put(member, 'k', 'old');
    watch.create({ key: b('k'), prev_kv: true });
    watch.create({ key: b('k'), filters: ['NOPUT'] });
    watch.create({ key: b('k'), filters: ['NODELETE'] });
    watch.create({ key: b('k'), filters: ['NOPUT', 'NODELETE'] });
    await watch.take(4);
    await put(member, 'k', 'new');
    await del(member, 'k');
    watch.requestProgress();
    const got: string[] = [];
    for (let r = await watch.next(); r.watch_id !== '-1'; r = await watch.next()) got.push(`${r.watch_id}: ${events(r).join(', ')}`);
    expect(got).toEqual(['0: PUT k=new@3 prev=old', '2: PUT k=new@3', '0: DELETE k@4 prev=new', '1: DELETE k@4']);
  });

  it('replays history from a past start revision, and cancels a watcher whose start was compacted', async () => {
    for (let i = 1; i <= 4; i++) await put(member, 'h', String(i));
    member.compact(3);
    watch.create({ key: b('h'), start_revision: '3' });
    const [created, replay] = await watch.take(2);
    expect(created!.created).toBe(true);
    expect(events(replay!)).toEqual(['PUT h=2@3', 'PUT h=3@4', 'PUT h=4@5']);

    watch.create({ key: b('h'), start_revision: '2' });
    const [created2, compacted] = await watch.take(2);
    expect(created2).toMatchObject({ created: true, watch_id: '1' });
    // etcd sends no header revision with a compaction, and keeps cancel_reason empty.
    expect(compacted).toMatchObject({ watch_id: '1', canceled: true, created: false, compact_revision: '3', cancel_reason: '' });
    expect(compacted!.header!.revision).toBe('0');
    expect(member.openWatchers).toBe(1);
  });

  it('starts a watcher at a future revision without sending what comes before', async () => {
    watch.create({ key: b('f'), start_revision: '4' });
    await watch.next();
    await put(member, 'f', 'a');
    await put(member, 'f', 'b');
    await put(member, 'f', 'c');
    expect(events(await watch.next())).toEqual(['PUT f=c@4']);
  });

  it('answers a cancel with canceled, then sends nothing more for that watcher; an unknown id gets no answer', async () => {
    watch.create({ key: b('c') });
    await watch.next();
    watch.cancel('0');
    const canceled = await watch.next();
    expect(canceled).toMatchObject({ watch_id: '0', canceled: true, created: false, cancel_reason: '' });
    expect(canceled.header!.revision).toBe('1');
    expect(member.openWatchers).toBe(0);

    await put(member, 'c', 'after');
    watch.cancel('0');
    watch.cancel('77');
    watch.requestProgress();
    const next = await watch.next();
    expect(next).toMatchObject({ watch_id: '-1', created: false, canceled: false, events: [] });
    expect(next.header!.revision).toBe('2');
  });

  it('answers a progress request with watch_id -1 and the current revision, after the events before it', async () => {
    watch.create({ key: b('g') });
    await watch.next();
    await put(member, 'g', '1');
    await put(member, 'other', '2');
    watch.requestProgress();
    const [event, progress] = await watch.take(2);
    expect(events(event!)).toEqual(['PUT g=1@2']);
    expect(progress).toMatchObject({ watch_id: '-1', created: false, canceled: false, events: [] });
    expect(progress!.header!.revision).toBe('3');
  });

  it('tells a progress_notify watcher its revision when it has had no event since the last tick', async () => {
    watch.create({ key: b('quiet') });
    watch.create({ key: b('n'), progress_notify: true });
    await watch.take(2);
    await put(member, 'elsewhere', 'x');
    // Every tick goes to watcher 1 alone, until one reports the new revision.
    const ticks: WatchResponse[] = [await watch.next()];
    while (ticks[ticks.length - 1]!.header!.revision !== '2') ticks.push(await watch.next());
    for (const tick of ticks) expect(tick).toMatchObject({ watch_id: '1', created: false, canceled: false, events: [] });
  });

  it('splits a fragment=true watcher’s large responses, marking every part but the last', async () => {
    watch.create({ key: b('big/'), range_end: b('big0'), fragment: true });
    watch.create({ key: b('big/'), range_end: b('big0') });
    await watch.take(2);
    const value = 'v'.repeat(300);
    await member.write({
      type: 'txn',
      request: { success: [1, 2, 3, 4, 5].map((i) => ({ type: 'put' as const, request: { key: b(`big/${i}`), value: b(value) } })) },
    });
    const parts: WatchResponse[] = [];
    let whole: WatchResponse | undefined;
    while (whole === undefined || parts.length === 0 || parts[parts.length - 1]!.fragment) {
      const r = await watch.next();
      if (r.watch_id === '0') parts.push(r);
      else whole = r;
    }
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.fragment)).toEqual([...parts.slice(1).map(() => true), false]);
    expect(parts.flatMap(events)).toEqual(events(whole));
    expect(whole.fragment).toBe(false);
    expect(parts.every((p) => p.header!.revision === '2')).toBe(true);
  });

  it('keeps serving the watchers of a client that only half-closes its side, as etcd does', async () => {
    watch.create({ key: b('h') });
    await watch.next();
    watch.stream.end();
    await put(member, 'h', 'still');
    expect(events(await watch.next())).toEqual(['PUT h=still@2']);
  });
});
