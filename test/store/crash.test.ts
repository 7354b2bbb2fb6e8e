// Crash safety: a child process appends, commits and applies entries in a loop and is killed with
// SIGKILL at a random moment; the store it leaves must hold everything the child reported durable,
// and its applied state must match its applied index exactly (nothing skipped, nothing twice).
// CRASH_ITERATIONS sets the number of kills (default 20; CI runs hundreds).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreDb } from '../../store/db.js';
import { MemberStore } from '../../store/member-store.js';
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { COUNTER_KEY, ENTRY_PREFIX, compactionUpTo, incrementsUpTo, indexOfData, revisionAfter } from './fixtures/crash-plan.js';
import { indexesOnDisk } from './helpers/index-dump.js';
import { makeTempDir, removeDir } from './helpers/temp-dir.js';

const ITERATIONS = Number(process.env.CRASH_ITERATIONS ?? 20);
const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER = join(HERE, 'fixtures', 'crash-worker.ts');
const REPO = join(HERE, '..', '..');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** The revision at the last clean close, and opens after a kill from a checkpoint written since. */
let closedAt = 0;
let periodicCheckpointOpens = 0;

/** What the worker has reported durable so far. */
interface Expected {
  /** Term of each log entry reported durable (and not since replaced). */
  terms: Map<number, number>;
  lastDurable: number;
  commit: number;
  applied: number;
}

function onLine(exp: Expected, line: string): void {
  const [what, ...nums] = line.split(' ');
  const n = nums.map(Number);
  switch (what) {
    case 'start': {
      const [, commit, applied] = n as [number, number, number];
      expect(commit).toBeGreaterThanOrEqual(exp.commit);
      expect(applied).toBeGreaterThanOrEqual(exp.applied);
      // Uncommitted entries are about to be replaced by the new term's.
      for (const j of exp.terms.keys()) if (j > commit) exp.terms.delete(j);
      exp.lastDurable = Math.min(exp.lastDurable, commit);
      break;
    }
    case 'durable': {
      const [first, last, term] = n as [number, number, number];
      for (const j of exp.terms.keys()) if (j > last) exp.terms.delete(j);
      for (let j = first; j <= last; j++) exp.terms.set(j, term);
      exp.lastDurable = last;
      break;
    }
    case 'commit':
      exp.commit = Math.max(exp.commit, n[0]!);
      break;
    case 'applied':
      exp.applied = Math.max(exp.applied, n[0]!);
      break;
    default:
      throw new Error(`unexpected worker output: ${line}`);
  }
}

/** Runs the worker until a random moment after it started working, then kills it. */
async function runAndKill(dir: string, seed: number, exp: Expected): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dir, String(seed)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  let stderr = '';
  let lines = 0;
  let started!: () => void;
  const startedP = new Promise<void>((resolve) => (started = resolve));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      onLine(exp, line);
      lines++;
      if (line.startsWith('start')) started();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await Promise.race([startedP, exited]);
  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 200));
  child.kill('SIGKILL');
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`worker exited on its own:\n${stderr}`);
  return lines;
}

async function verify(dir: string, exp: Expected): Promise<void> {
  // The index an open builds (from the worker's last checkpoint and the revisions after it) is the
  // one a replay of every revision builds.
  const db = await openStoreDb(dir);
  try {
    const disk = await indexesOnDisk(db);
    expect(disk.opened).toEqual(disk.full);
    if (disk.restoredFrom === 'checkpoint' && disk.checkpointRevision > closedAt) periodicCheckpointOpens++;
  } finally {
    await db.close();
  }
  const store = await MemberStore.open(dir);
  try {
    const log = store.raftLog;
    const hs = log.initialState().hardState;
    expect(log.lastIndex()).toBeGreaterThanOrEqual(exp.lastDurable);
    for (const [j, term] of exp.terms) {
      if (j < log.firstIndex()) continue; // compacted into a snapshot
      expect(log.term(j)).toBe(term);
      const [entry] = log.entries(j, j + 1, Number.MAX_SAFE_INTEGER);
      expect(entry?.type === 'normal' && indexOfData(entry.data)).toBe(j);
    }
    expect(hs.commit).toBeGreaterThanOrEqual(exp.commit);

    const kv = store.kv;
    const applied = kv.appliedIndex;
    expect(applied).toBeGreaterThanOrEqual(exp.applied);
    expect(applied).toBeLessThanOrEqual(hs.commit);
    expect(log.snapshot().meta.index).toBeLessThanOrEqual(applied);
    // Each increment applied exactly once: the counter's version, the revision and the per-entry keys agree.
    const counter = (await kv.range({ key: enc(COUNTER_KEY) })).kvs[0];
    expect(counter?.version ?? 0).toBe(incrementsUpTo(applied));
    expect(kv.revision).toBe(revisionAfter(applied));
    const perEntry = await kv.range({ key: enc(ENTRY_PREFIX), rangeEnd: prefixEnd(enc(ENTRY_PREFIX)), countOnly: true });
    expect(perEntry.count).toBe(incrementsUpTo(applied));
    expect(kv.compactRevision).toBe(compactionUpTo(applied));
    await kv.hashKV();
    exp.applied = applied;
    exp.commit = hs.commit;
    closedAt = kv.revision;
  } finally {
    await store.close();
  }
}

describe('crash safety under SIGKILL', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('crash');
  });

  afterAll(async () => {
    await removeDir(dir);
  });

  it(
    `keeps what was reported durable and applies each entry once, over ${ITERATIONS} kills`,
    async () => {
      const exp: Expected = { terms: new Map(), lastDurable: 0, commit: 0, applied: 0 };
      const seed = Date.now() % 1_000_000;
      let reported = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        try {
          reported += await runAndKill(dir, seed + i, exp);
          await verify(dir, exp);
        } catch (err) {
          throw new Error(`kill ${i + 1} of ${ITERATIONS} (worker seed ${seed + i}): ${(err as Error).message}`, { cause: err });
        }
      }
      // The kills landed while work was going on, not only before it started.
      expect(reported).toBeGreaterThan(ITERATIONS * 2);
      expect(exp.applied).toBeGreaterThan(0);
      // Some kills came after the worker had written an index checkpoint of its own.
      expect(periodicCheckpointOpens).toBeGreaterThan(0);
    },
    Math.max(60_000, ITERATIONS * 5_000),
  );
});
