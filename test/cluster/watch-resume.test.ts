// Watches across a compaction and across a restart of the member that serves them, against a real
// etcd (the reference: one member) and Lodestone as one member and as three (the watches on a
// follower):
//  - a watch whose start revision was compacted is canceled with compact_revision, the oldest
//    revision left; one that starts at the compaction revision replays from it; a watcher already
//    past it goes on;
//  - the member serving a watcher is killed (SIGKILL) while writes go on; once it is back, a watch
//    resumed from the last revision seen + 1 misses nothing and repeats nothing: what it sees
//    after what the first one saw is exactly the history, event for event.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type ServiceClient } from '../../rpc/etcd-api.js';
import { createRequest, prefixEnd, WireWatchClient, type WireEvent, type WireWatchResponse } from '../compat/watch-wire.js';
import { checkBinaries, isCi } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';

const etcdCheck = checkBinaries(['etcd'], 'the watch resume tests against etcd');

/** The responses of one watch stream, by watch id, as they arrive. */
class WatchStreamLog {
  private readonly stream;
  readonly responses: WireWatchResponse[] = [];
  /** The ids the server gave, in the order the creates were sent. */
  readonly ids: number[] = [];
  error: ServiceError | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(readonly client: WireWatchClient) {
    this.stream = client.stream();
    this.stream.on('data', (r: WireWatchResponse) => {
      if (r.created) this.ids.push(r.watchId);
      this.responses.push(r);
      this.changed();
    });
    this.stream.on('error', (e: ServiceError) => {
      this.error = e;
      this.changed();
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Sends a create and returns the id the server gave it. */
  async create(request: Parameters<typeof createRequest>[0]): Promise<number> {
    const n = this.ids.length;
    this.stream.write(createRequest(request));
    await this.until(`watch ${n} to be created`, () => this.ids.length > n);
    return this.ids[n]!;
  }

  of(id: number): WireWatchResponse[] {
    return this.responses.filter((r) => r.watchId === id);
  }

  events(id: number): WireEvent[] {
    return this.of(id).flatMap((r) => r.events);
  }

  /** Waits for `condition` over what arrived (a limit only against hangs; the stream's end fails it). */
  until(what: string, condition: () => boolean, limitMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const check = (): void => {
        if (condition()) {
          finish();
          resolve();
        } else if (this.error) {
          finish();
          reject(new Error(`stream ended before ${what}: ${this.error.code} ${this.error.details}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${limitMs} ms`));
      }, limitMs);
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    this.stream.on('error', () => undefined);
    this.stream.cancel();
  }
}

function call<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res!))));
}

const deadline = (): { deadline: number } => ({ deadline: Date.now() + 10_000 });

async function put(kv: ServiceClient<'KV'>, key: string, value: string): Promise<number> {
  const r = await call<{ header: { revision: string } | null }>((cb) => kv.Put({ key: Buffer.from(key), value: Buffer.from(value) }, new Metadata(), deadline(), cb));
  return Number(r.header!.revision);
}

const show = (e: WireEvent): string => `${e.type === 0 ? 'PUT' : 'DELETE'} ${e.kv.key.toString()}=${e.kv.value.toString()}@${e.kv.modRevision}`;

const TARGETS: readonly { implementation: Implementation; size: number }[] = [
  { implementation: 'etcd', size: 1 },
  { implementation: 'lodestone', size: 1 },
  { implementation: 'lodestone', size: 3 },
];

for (const { implementation, size } of TARGETS) {
  const available = implementation === 'lodestone' || etcdCheck.run;
  (available ? describe : describe.skip)(`watches across a compaction and a restart: ${implementation} (${size} member${size > 1 ? 's' : ''})`, () => {
    let cluster: TestCluster | undefined;
    /** The member that serves the watches (a follower when there is one) and the one that takes the writes. */
    let watchMember = 0;
    let writeMember = 0;
    const closers: (() => void)[] = [];
    const kvOf = new Map<number, ServiceClient<'KV'>>();
    const kv = (member: number): ServiceClient<'KV'> => {
      let c = kvOf.get(member);
      if (!c) kvOf.set(member, (c = createEtcdClient('KV', cluster!.members[member]!.endpoint)));
      return c;
    };
    const watchStream = (): WatchStreamLog => {
      const client = new WireWatchClient(cluster!.members[watchMember]!.endpoint, { ownConnection: true });
      const log = new WatchStreamLog(client);
      closers.push(() => log.close(), () => client.close());
      return log;
    };

    beforeAll(async () => {
      if (implementation === 'etcd' && isCi()) etcdCheck.assertPresent();
      cluster = await TestCluster.start({ implementation, size, logLevel: 'warn' });
      const { leaderIndex } = await cluster.waitReady();
      writeMember = leaderIndex;
      watchMember = size > 1 ? (leaderIndex + 1) % size : leaderIndex;
    }, 60_000);

    afterAll(async () => {
      for (const c of closers) c();
      for (const c of kvOf.values()) c.close();
      await cluster?.destroy();
    }, 30_000);

    it('a watch from a compacted revision is canceled with compact_revision; from the compaction revision it replays; one already past it goes on', async () => {
      const w = kv(writeMember);
      const revs: number[] = [];
      for (let i = 1; i <= 5; i++) revs.push(await put(w, 'c/k', String(i)));
      const [r1, r2, , r4, r5] = revs as [number, number, number, number, number];
      const log = watchStream();
      const past = await log.create({ key: Buffer.from('c/k'), start_revision: String(r1) });
      await log.until('the history', () => log.events(past).length === 5);
      expect(log.events(past).map(show)).toEqual(revs.map((r, i) => `PUT c/k=${i + 1}@${r}`));

      await call((cb) => kv(writeMember).Compact({ revision: String(r4), physical: true }, new Metadata(), deadline(), cb));
      // The watch member may apply the compaction after the leader answered.
      let compacted: number;
      let canceled: WireWatchResponse | undefined;
      for (;;) {
        compacted = await log.create({ key: Buffer.from('c/k'), start_revision: String(r2) });
        await log.until('an answer', () => log.of(compacted).some((r) => r.canceled || r.events.length > 0));
        canceled = log.of(compacted).find((r) => r.canceled);
        if (canceled) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // etcd 3.4: "created", then a response that cancels it with the oldest revision left.
      expect(log.of(compacted).map((r) => ({ created: r.created, canceled: r.canceled, compactRevision: r.compactRevision, events: r.events.length }))).toEqual([
        { created: true, canceled: false, compactRevision: 0, events: 0 },
        { created: false, canceled: true, compactRevision: r4, events: 0 },
      ]);

      const atCompaction = await log.create({ key: Buffer.from('c/k'), start_revision: String(r4) });
      await log.until('the history from the compaction', () => log.events(atCompaction).length === 2);
      expect(log.events(atCompaction).map(show)).toEqual([`PUT c/k=4@${r4}`, `PUT c/k=5@${r5}`]);

      const r6 = await put(w, 'c/k', '6');
      await log.until('the next event', () => log.events(past).length === 6 && log.events(atCompaction).length === 3);
      expect(log.events(past).at(-1)!.kv.modRevision).toBe(r6);
      expect(log.events(atCompaction).at(-1)!.kv.modRevision).toBe(r6);
      expect(log.of(past).some((r) => r.canceled)).toBe(false);
      expect(log.error).toBeUndefined();
    });

    it('a watch resumed from the last revision seen + 1 after its member was killed and restarted misses nothing and repeats nothing', async () => {
      const c = cluster!;
      const prefix = 'r/';
      const first = (await put(kv(writeMember), 'r-start', 'x')) + 1;
      const before = watchStream();
      const id1 = await before.create({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: String(first) });

      // Writes one at a time, on and on, through the write member (retrying while it is down).
      let writing = true;
      let written = 0;
      let lastAcked = 0;
      const writer = (async () => {
        for (let n = 0; writing; n++) {
          try {
            lastAcked = await put(kv(writeMember), `${prefix}${n % 20}`, String(n));
            written++;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      })();

      await before.until('events before the kill', () => before.events(id1).length >= 100);
      await c.kill(watchMember);
      await before.until('the stream to end', () => before.error !== undefined).catch(() => undefined);
      const seenBefore = before.events(id1);
      const lastSeen = seenBefore.at(-1)!.kv.modRevision;
      c.restart(watchMember);
      await c.waitReady(60_000);

      const after = watchStream();
      const id2 = await after.create({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: String(lastSeen + 1) });
      const writtenAtResume = written;
      await after.until('new writes after the resume', () => written >= writtenAtResume + 50);
      writing = false;
      await writer;
      await after.until(`the last write (revision ${lastAcked})`, () => after.events(id2).some((e) => e.kv.modRevision >= lastAcked));

      // The history of the prefix from the first revision, in one replay on the same member.
      const replay = watchStream();
      const id3 = await replay.create({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), start_revision: String(first) });
      await replay.until('the replay', () => replay.events(id3).some((e) => e.kv.modRevision >= lastAcked));
      const history = replay.events(id3).filter((e) => e.kv.modRevision <= lastAcked).map(show);
      const resumed = [...seenBefore, ...after.events(id2)].filter((e) => e.kv.modRevision <= lastAcked).map(show);
      console.log(
        `${implementation}: ${seenBefore.length} events before the kill (last revision ${lastSeen}), ` +
          `${resumed.length - seenBefore.length} after the resume; ${written} writes acknowledged`,
      );
      expect(resumed).toEqual(history);
      expect(new Set(resumed).size).toBe(resumed.length);
      expect(after.of(id2).some((r) => r.canceled)).toBe(false);
    }, 120_000);
  });
}
