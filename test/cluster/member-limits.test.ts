// A member under conditions a healthy run never shows: applies that lag far behind the log, clients
// that give up, a close with reads still waiting, and a data directory whose state lost writes its
// log no longer holds. Members run in this process; a fault file slows their applies.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../index.js';
import { EtcdError } from '../../rpc/etcd-errors.js';
import { openStoreDb } from '../../store/db.js';
import { MvccStore } from '../../store/mvcc/mvcc-store.js';
import { RaftLogStore } from '../../store/raft-log-store.js';
import type { Entry } from '../../raft/index.js';

const TUNING = { heartbeatInterval: 50, electionTimeout: 500 };
const b = (s: string): Buffer => Buffer.from(s);

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lodestone-limits-'));
});

afterEach(async () => {
  delete process.env.LODESTONE_FAULT_FILE;
  await rm(dir, { recursive: true, force: true });
});

/** A node of its own, in memory, whose every apply batch waits `applyDelayMs` first. */
async function slowApplyingNode(applyDelayMs: number): Promise<LodestoneNode> {
  const faults = join(dir, 'faults.json');
  await writeFile(faults, JSON.stringify({ applyDelayMs }));
  process.env.LODESTONE_FAULT_FILE = faults;
  try {
    return await openNode({ inMemory: true }, { tuning: TUNING, logLevel: 'silent' });
  } finally {
    delete process.env.LODESTONE_FAULT_FILE;
  }
}

function code(e: unknown): string {
  return e instanceof EtcdError ? e.code : String(e);
}

/** Settles to 'ok' or the error's code, and how long that took. */
async function outcome(p: Promise<unknown>): Promise<{ result: string; ms: number }> {
  const started = performance.now();
  const result = await p.then(
    () => 'ok',
    (e: unknown) => code(e),
  );
  return { result, ms: performance.now() - started };
}

describe('a member whose applies lag behind its log', () => {
  it('answers etcd\'s "too many requests" once committed entries run more than 5,000 ahead of applied ones, and loses nothing it took', async () => {
    const node = await slowApplyingNode(1500);
    try {
      const m = node.member;
      const first = Array.from({ length: 6000 }, (_, i) => m.write({ type: 'put', request: { key: b(`k${i}`), value: b('v') } }));
      // Committed at once (one member), applied only after the delay: the gap opens.
      const deadline = performance.now() + 5000;
      while (m.raftStatus().commit - m.raftStatus().applied <= 5000 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const refused = await outcome(m.write({ type: 'put', request: { key: b('late'), value: b('v') } }));
      expect(refused.result).toBe('ETCD_TOO_MANY_REQUESTS');
      const results = await Promise.all(first.map((p) => outcome(p)));
      expect(results.filter((r) => r.result !== 'ok')).toEqual([]);
      const all = await m.range({ key: b('k'), rangeEnd: b('l'), countOnly: true }, false);
      expect(all.count).toBe(6000);
      // Caught up: it takes writes again.
      expect((await outcome(m.write({ type: 'put', request: { key: b('late'), value: b('v') } }))).result).toBe('ok');
    } finally {
      await node.close();
    }
  }, 60_000);

  it("gives up a write when its client cancels or its deadline passes, instead of at the member's request timeout", async () => {
    const node = await slowApplyingNode(3000);
    try {
      const m = node.member;
      const controller = new AbortController();
      const cancelled = outcome(m.write({ type: 'put', request: { key: b('a'), value: b('1') } }, { signal: controller.signal }));
      setTimeout(() => controller.abort(new EtcdError('ETCD_CANCELED')), 100);
      const expired = outcome(m.write({ type: 'put', request: { key: b('b'), value: b('1') } }, { deadline: Date.now() + 200 }));
      const c = await cancelled;
      const e = await expired;
      expect(c.result).toBe('ETCD_CANCELED');
      expect(c.ms).toBeLessThan(1500);
      expect(e.result).toBe('ETCD_TIMEOUT');
      expect(e.ms).toBeLessThan(1500);
      // A read whose client left stops waiting for the index it needs too.
      const readController = new AbortController();
      const read = outcome(m.range({ key: b('a') }, false, { signal: readController.signal }));
      setTimeout(() => readController.abort(new EtcdError('ETCD_CANCELED')), 100);
      expect((await read).result).toBe('ETCD_CANCELED');
    } finally {
      await node.close();
    }
  }, 30_000);

  it('fails the reads still waiting for an index to be applied when it closes, instead of leaving them hanging', async () => {
    const node = await slowApplyingNode(4000);
    const m = node.member;
    void m.write({ type: 'put', request: { key: b('a'), value: b('1') } }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    // The read index covers the put, which will not be applied for four seconds.
    const read = outcome(m.range({ key: b('a') }, false));
    await new Promise((r) => setTimeout(r, 200));
    await node.close();
    const r = await read;
    expect(r.result).toBe('ETCD_STOPPED');
    expect(r.ms).toBeLessThan(3000);
  }, 30_000);
});

describe('a data directory whose state lost writes', () => {
  it('is refused at start, with a clear error, when its state is older than the raft log it was compacted into', async () => {
    const dataDir = join(dir, 'data');
    const node = await openNode({ dataDir }, { tuning: { ...TUNING, snapshotCount: 20, snapshotCatchUpEntries: 5 }, logLevel: 'silent' });
    for (let i = 0; i < 30; i++) await node.put(`k${i}`, 'v');
    await node.close();
    // Lose the state's tail: the log goes on past it and is snapshotted beyond it, as when a state
    // batch vanished in a power loss and the member compacted its log afterwards.
    const db = await openStoreDb(join(dataDir, 'member', 'db'));
    const logStore = await RaftLogStore.open(db);
    const mvcc = await MvccStore.open(db);
    const applied = mvcc.appliedIndex;
    const term = logStore.initialState().hardState.term;
    const last = logStore.lastIndex();
    const extra: Entry[] = Array.from({ length: 10 }, (_, i) => ({ type: 'normal', index: last + 1 + i, term, data: new Uint8Array() }));
    await logStore.save({ entries: extra, hardState: { ...logStore.initialState().hardState, commit: last + 10 } });
    await logStore.createSnapshot(last + 10, mvcc.confState, new Uint8Array());
    await mvcc.close();
    await db.close();
    expect(applied).toBeLessThan(last + 10);
    await expect(openNode({ dataDir }, { tuning: TUNING, logLevel: 'silent' })).rejects.toMatchObject({
      code: 'LODESTONE_STATE_BEHIND_LOG',
      message: expect.stringMatching(/state holds entries up to \d+, but the raft log was compacted up to its snapshot at \d+/),
    });
  }, 30_000);
});
