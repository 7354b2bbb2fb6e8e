// How soon a config watcher sees a change: a few hundred changes, each timed from the moment the
// put is issued to the moment the config helper's iterator hands out the new value. Measured on an
// embedded node (in process), on a Lodestone cluster of three processes (writer on the leader,
// watcher on a follower, then on the leader), and on a real etcd cluster the same way in the same run. Asserts only that
// every change arrives, in order; the figures are printed.
import { afterAll, describe, expect, it } from 'vitest';
import { config, configKey, connect, openNode, type ConfigChange, type KvClient } from '../../index.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';

const CHANGES = 300;

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function figures(samples: readonly number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

const ms = (n: number): string => `${n.toFixed(2)} ms`;

/** Puts CHANGES values one after another; resolves with each one's put-to-seen latency. */
async function measure(writer: KvClient, watcher: KvClient, prefix: string): Promise<number[]> {
  const parse = (raw: string): { n: number } => JSON.parse(raw) as { n: number };
  const cfg = await config(watcher, prefix, { parse });
  const it: AsyncIterator<ConfigChange<{ n: number }>> = cfg[Symbol.asyncIterator]();
  const key = configKey(prefix, 'value');
  const samples: number[] = [];
  try {
    for (let i = 0; i < CHANGES; i++) {
      const started = performance.now();
      const put = writer.put(key, JSON.stringify({ n: i }));
      const change = await it.next();
      const seen = performance.now();
      await put;
      expect(change.done).toBe(false);
      expect(!change.done && change.value.type === 'set' && change.value.value.n).toBe(i);
      samples.push(seen - started);
    }
    expect(cfg.get('value')).toEqual({ n: CHANGES - 1 });
  } finally {
    await cfg.close();
  }
  return samples;
}

const report: string[] = [];

afterAll(() => {
  if (report.length > 0) console.log(`config change delivery, put issued → watcher has it, ${CHANGES} changes:\n${report.join('\n')}`);
});

function record(what: string, samples: readonly number[]): void {
  const f = figures(samples);
  report.push(`  ${what.padEnd(58)} p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  max ${ms(f.max)}`);
}

describe('config change delivery latency', () => {
  it('on an embedded node (in process, in memory)', async () => {
    const node = await openNode({ inMemory: true });
    try {
      record('embedded node, in memory', await measure(node, node, 'latency/embedded'));
    } finally {
      await node.close();
    }
  });

  it('on an embedded node on disk (each put fsynced)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'lodestone-latency-'));
    const node = await openNode({ dataDir: dir });
    try {
      record('embedded node, on disk', await measure(node, node, 'latency/disk'));
    } finally {
      await node.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  const etcd = checkBinaries(['etcd'], 'the etcd side of the config latency figures');
  const implementations: Implementation[] = etcd.run ? ['lodestone', 'etcd'] : ['lodestone'];
  it.each(implementations)('on a cluster of three %s processes: writer on the leader, watcher on a follower', async (implementation) => {
    const cluster = await TestCluster.start({ implementation, size: 3, logLevel: 'warn', readyTimeoutMs: 60_000 });
    const clients: KvClient[] = [];
    try {
      const { leaderIndex } = await cluster.waitReady();
      const writer = await connect({ endpoints: [cluster.member(leaderIndex).endpoint] });
      clients.push(writer);
      const onFollower = await connect({ endpoints: [cluster.member((leaderIndex + 1) % 3).endpoint] });
      clients.push(onFollower);
      record(`${implementation}, 3 processes, watcher on a follower`, await measure(writer, onFollower, `latency/${implementation}/follower`));
      // The same with the watcher on the leader: what the follower adds is learning of the commit.
      record(`${implementation}, 3 processes, watcher on the leader`, await measure(writer, writer, `latency/${implementation}/leader`));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await cluster.destroy();
    }
  }, 120_000);
});
