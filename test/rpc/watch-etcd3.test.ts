// The etcd3 npm client's watchers against the Watch service (and a TestMember): what its users
// write — client.watch().key('k').create(), prefixes, start revisions, prev kv — sees every put
// and delete in order, many watchers share the client's one stream, and cancel works.
import { Etcd3, type IKeyValue, type Watcher } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

/** Collects a watcher's puts and deletes as "put key=value" / "delete key" until `count` arrived. */
function collect(watcher: Watcher, count: number): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const add = (entry: string): void => {
      seen.push(entry);
      if (seen.length === count) resolve(seen);
    };
    watcher.on('put', (kv: IKeyValue, prev?: IKeyValue) => add(`put ${kv.key}=${kv.value}${prev ? ` (was ${prev.value})` : ''}`));
    watcher.on('delete', (kv: IKeyValue) => add(`delete ${kv.key}`));
    watcher.on('error', reject);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the etcd3 client’s watchers', () => {
  let served: ServedMember;
  let client: Etcd3;

  beforeAll(async () => {
    // Progress notifications every 20 ms: the client takes them (it asks for them) among events.
    served = await serveServices(new TestMember(), { progressNotifyIntervalMs: 20 });
    client = new Etcd3({ hosts: served.address });
  });

  afterAll(async () => {
    client.close();
    await served.close();
  });

  it('sees a key’s puts and deletes, in order', async () => {
    const watcher = await client.watch().key('one').create();
    const seen = collect(watcher, 4);
    await client.put('one').value('a');
    await client.put('other').value('x');
    await client.put('one').value('b');
    await client.delete().key('one');
    await client.put('one').value('c');
    expect(await seen).toEqual(['put one=a', 'put one=b', 'delete one', 'put one=c']);
    await watcher.cancel();
  });

  it('watches a prefix, with previous values when asked', async () => {
    await client.put('dir/a').value('0');
    const watcher = await client.watch().prefix('dir/').withPreviousKV().create();
    const seen = collect(watcher, 3);
    await client.put('dir/a').value('1');
    await client.put('dirx').value('not under dir/');
    await client.put('dir/b').value('2');
    await client.delete().prefix('dir/');
    const events = await seen;
    expect(events.slice(0, 2)).toEqual(['put dir/a=1 (was 0)', 'put dir/b=2']);
    expect(events[2]).toMatch(/^delete dir\/[ab]$/);
    await watcher.cancel();
  });

  it('replays history from a start revision', async () => {
    const first = await client.put('hist').value('1').exec();
    await client.put('hist').value('2');
    const watcher = await client.watch().key('hist').startRevision(first.header.revision).create();
    expect(await collect(watcher, 2)).toEqual(['put hist=1', 'put hist=2']);
    await watcher.cancel();
  });

  it('runs several watchers on one stream; canceling one leaves the others', async () => {
    const before = served.member.openWatchers;
    const a = await client.watch().key('multi').create();
    const b = await client.watch().key('multi').only('delete').create();
    expect(served.member.openWatchers).toBe(before + 2);
    await a.cancel();
    expect(served.member.openWatchers).toBe(before + 1);
    const deletes = collect(b, 1);
    await client.put('multi').value('ignored by b');
    await client.delete().key('multi');
    expect(await deletes).toEqual(['delete multi']);
    await b.cancel();
    // The client closes its stream once it has no watcher left: nothing stays behind on the member.
    await until(() => served.member.openWatchers === 0);
  });

  it('reports a watcher whose start revision was compacted as an error', async () => {
    await client.put('gone').value('1');
    const r = await client.put('gone').value('2').exec();
    await client.put('gone').value('3');
    served.member.compact(Number(r.header.revision) + 1);
    const watcher = client.watch().key('gone').startRevision(r.header.revision).watcher();
    const error = await new Promise<Error>((resolve) => watcher.on('error', resolve));
    expect(error.message).toMatch(/^Watcher canceled/);
  });
});
