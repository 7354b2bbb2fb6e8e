// The limits of one Watch stream. A client that sends create requests and never reads the answers
// does not make the stream queue them without bound: past a few control responses waiting to be
// sent, the stream stops reading requests (as etcd's recvLoop blocks on its full control channel)
// and HTTP/2 flow control holds the rest back in the client; once the client reads, every answer
// comes, in order. And a stream holds at most maxWatchersPerStream watchers (a Lodestone limit).
import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { addEtcdService, type WatchRequest } from '../../rpc/etcd-api.js';
import { tooManyWatchersReason } from '../../rpc/watch-request.js';
import type { WatchResponseOut } from '../../rpc/watch-response.js';
import { DEFAULT_MAX_WATCHERS_PER_STREAM } from '../../rpc/watch-service.js';
import { MAX_QUEUED_CONTROL_RESPONSES, WatchStream, type WatchStreamOptions } from '../../rpc/watch-stream.js';
import { RawWatchStream, watchClient } from './watch-test-client.js';
import { TestMember } from './watch-test-member.js';
import { serveServices, type ServedMember } from './watch-test-server.js';

const OPTIONS: WatchStreamOptions = {
  maxResponseBytes: 1024 * 1024,
  maxBufferedBytes: 1024 * 1024,
  progressNotifyIntervalMs: 60_000,
  progressRecheckMs: 50,
  maxWatchersPerStream: DEFAULT_MAX_WATCHERS_PER_STREAM,
};

interface Served {
  readonly member: TestMember;
  readonly address: string;
  /** Each stream the server opened, with its call (to look at grpc-js's own buffers). */
  readonly streams: { readonly stream: WatchStream; readonly call: ServerDuplexStream<WatchRequest, WatchResponseOut> }[];
  close(): void;
}

/** A bare Watch server whose streams the test can look into. */
async function serveWatch(options: WatchStreamOptions): Promise<Served> {
  const member = new TestMember();
  const server = new Server();
  const streams: Served['streams'][number][] = [];
  addEtcdService(server, 'Watch', {
    Watch: (call) => {
      streams.push({ stream: new WatchStream(call, member, options), call });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  return {
    member,
    address: `127.0.0.1:${port}`,
    streams,
    close: () => {
      member.close();
      server.forceShutdown();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `value()` has not changed for `quietMs`; returns it. */
async function settled(value: () => number, quietMs: number): Promise<number> {
  let last = value();
  let since = Date.now();
  for (;;) {
    await sleep(25);
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
  }
}

/** The server's first stream, once the client's requests have begun to arrive. */
async function opened(served: Served): Promise<Served['streams'][number]> {
  for (;;) {
    const first = served.streams[0];
    if (first !== undefined && first.stream.watcherCount > 0) return first;
    await sleep(10);
  }
}

describe('a Watch stream whose client does not read', () => {
  let served: Served | undefined;
  let client: RawWatchStream | undefined;

  afterEach(() => {
    client?.close();
    served?.close();
    client = served = undefined;
  });

  it('stops reading requests while control responses wait, then answers every one in order', async () => {
    served = await serveWatch(OPTIONS);
    const { member } = served;
    // A connection of its own, so that only this stream's HTTP/2 window fills.
    client = new RawWatchStream(watchClient(served.address, { ownConnection: true }));
    client.stream.pause();
    const creates = 6000;
    for (let i = 0; i < creates; i++) client.create({ key: Buffer.from(`k/${i}`) });

    // The server reads until the answers back up, then holds still.
    const { stream, call } = await opened(served);
    const watchers = await settled(() => member.openWatchers, 500);
    expect(stream.readingRequestsPaused).toBe(true);
    expect(watchers).toBeGreaterThan(0);
    expect(watchers).toBeLessThan(creates);
    // What the stream keeps for this client is bounded, whatever the client sent.
    expect(stream.peakQueuedControlResponses).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);
    expect(stream.queuedControlResponses).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);
    expect(call.writableLength).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);
    expect(call.readableLength).toBeLessThanOrEqual(call.readableHighWaterMark);

    client.stream.resume();
    const answers = await client.take(creates);
    expect(answers.every((r) => r.created && !r.canceled)).toBe(true);
    expect(answers.map((r) => r.watch_id)).toEqual(Array.from({ length: creates }, (_, i) => String(i)));
    expect(member.openWatchers).toBe(creates);
    expect(stream.peakQueuedControlResponses).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);

    // Still in step: a watcher created last sees its key's event after all of that.
    await member.write({ type: 'put', request: { key: Buffer.from(`k/${creates - 1}`), value: Buffer.from('v') } });
    const event = await client.next();
    expect(event.watch_id).toBe(String(creates - 1));
    expect(event.events.map((e) => String(e.kv!.key))).toEqual([`k/${creates - 1}`]);
    expect(stream.readingRequestsPaused).toBe(false);
    expect(stream.queuedControlResponses).toBe(0);
  });

  it('keeps cancels and progress answers in order behind the creates they follow', async () => {
    served = await serveWatch(OPTIONS);
    client = new RawWatchStream(watchClient(served.address, { ownConnection: true }));
    client.stream.pause();
    const creates = 3000;
    for (let i = 0; i < creates; i++) {
      client.create({ key: Buffer.from(`k/${i}`) });
      if (i % 2 === 1) client.cancel(String(i - 1));
    }
    client.requestProgress();
    const { stream } = await opened(served);
    await settled(() => served!.member.openWatchers, 300);
    expect(stream.readingRequestsPaused).toBe(true);
    expect(stream.peakQueuedControlResponses).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);

    client.stream.resume();
    const answers = await client.take(creates + creates / 2 + 1);
    const expected: string[] = [];
    for (let i = 0; i < creates; i++) {
      expected.push(`created ${i}`);
      if (i % 2 === 1) expected.push(`canceled ${i - 1}`);
    }
    expected.push('progress -1');
    expect(answers.map((r) => (r.created ? `created ${r.watch_id}` : r.canceled ? `canceled ${r.watch_id}` : `progress ${r.watch_id}`))).toEqual(expected);
    expect(served.member.openWatchers).toBe(creates / 2);
  });

  it('does not pile up progress notifications for it either', async () => {
    served = await serveWatch({ ...OPTIONS, progressNotifyIntervalMs: 10 });
    client = new RawWatchStream(watchClient(served.address, { ownConnection: true }));
    client.stream.pause();
    const creates = 300;
    for (let i = 0; i < creates; i++) client.create({ key: Buffer.from(`k/${i}`), progress_notify: true });
    const { stream, call } = await opened(served);
    await settled(() => served!.member.openWatchers, 200);
    // Every tick would tell each of them its revision: many times the HTTP/2 window by now.
    await sleep(1000);
    expect(served.member.openWatchers).toBe(creates);
    expect(stream.peakQueuedControlResponses).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);
    expect(call.writableLength).toBeLessThanOrEqual(MAX_QUEUED_CONTROL_RESPONSES);

    client.stream.resume();
    // Ticks came while the creates were read: notifications of the watchers created so far may
    // come between the created answers, which keep their order.
    const created: string[] = [];
    while (created.length < creates) {
      const r = await client.next();
      if (r.created) created.push(r.watch_id);
      else expect(r).toMatchObject({ canceled: false, events: [], watch_id: created[Number(r.watch_id)] });
    }
    expect(created).toEqual(Array.from({ length: creates }, (_, i) => String(i)));
    // And notifications again, now that there is room.
    expect(await client.next()).toMatchObject({ created: false, canceled: false, events: [] });
  });
});

describe('the watchers of one stream', () => {
  let served: ServedMember | undefined;
  let client: RawWatchStream | undefined;

  afterEach(async () => {
    client?.close();
    await served?.close();
    client = served = undefined;
  });

  it('are refused past maxWatchersPerStream with created, canceled and the reason, until one goes', async () => {
    served = await serveServices(new TestMember(), { maxWatchersPerStream: 3 });
    client = new RawWatchStream(watchClient(served.address));
    for (let i = 0; i < 4; i++) client.create({ key: Buffer.from(`k/${i}`) });
    const answers = await client.take(4);
    expect(answers.slice(0, 3).map((r) => [r.watch_id, r.created, r.canceled])).toEqual([
      ['0', true, false],
      ['1', true, false],
      ['2', true, false],
    ]);
    expect(answers[3]).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: tooManyWatchersReason(3) });
    expect(answers[3]!.header!.revision).toBe('1');
    expect(served.member.openWatchers).toBe(3);

    // Another stream has its own limit.
    const other = new RawWatchStream(watchClient(served.address));
    other.create({ key: Buffer.from('k/x') });
    expect(await other.next()).toMatchObject({ watch_id: '0', created: true, canceled: false });
    other.close();

    client.cancel('1');
    expect(await client.next()).toMatchObject({ watch_id: '1', canceled: true });
    client.create({ key: Buffer.from('k/4') });
    expect(await client.next()).toMatchObject({ watch_id: '3', created: true, canceled: false });
    // The watchers kept work as before.
    await served.member.write({ type: 'put', request: { key: Buffer.from('k/2'), value: Buffer.from('v') } });
    expect((await client.next()).watch_id).toBe('2');
  });

  it(`holds ${DEFAULT_MAX_WATCHERS_PER_STREAM} watchers by default, and no more`, async () => {
    served = await serveServices();
    client = new RawWatchStream(watchClient(served.address));
    const creates = DEFAULT_MAX_WATCHERS_PER_STREAM + 2;
    for (let i = 0; i < creates; i++) client.create({ key: Buffer.from(`k/${i}`) });
    const answers = await client.take(creates);
    const refused = answers.filter((r) => r.canceled);
    expect(answers.length - refused.length).toBe(DEFAULT_MAX_WATCHERS_PER_STREAM);
    expect(refused.map((r) => r.cancel_reason)).toEqual([0, 1].map(() => tooManyWatchersReason(DEFAULT_MAX_WATCHERS_PER_STREAM)));
    expect(answers.indexOf(refused[0]!)).toBe(DEFAULT_MAX_WATCHERS_PER_STREAM);
  });
});
