// Auto-compaction end to end: a member's own compactor proposes Compact and etcdctl's reads below the
// compacted revision then fail with etcd's "required revision has been compacted". Revision mode on
// an embedded member (its 5-minute check shortened through the internal option); periodic mode on
// member processes started with the flags, beside a real etcd 3.4 given the same flags; in a
// three-member cluster only the leader compacts, and a follower that comes to lead takes over.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Member } from '../../cluster/member.js';
import { errorLine, etcdctl, type CtlResult } from '../compat/etcdctl-runner.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePorts, LOOPBACK } from '../support/free-ports.js';

const binaries = checkBinaries(['etcd', 'etcdctl'], 'the auto-compaction tests');
const COMPACTED = 'Error: etcdserver: mvcc: required revision has been compacted';
const STARTING = /Starting auto-compaction at revision \d+/;
const FINISHED = /Finished auto-compaction at revision (\d+)/;

async function putAll(endpoint: string, key: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const r = await etcdctl([endpoint], ['put', key, `v${i}`]);
    expect(r.code, r.stderr).toBe(0);
  }
}

const getAt = (endpoint: string, key: string, rev: number): Promise<CtlResult> => etcdctl([endpoint], ['get', key, `--rev=${rev}`]);

describe.runIf(binaries.run)('auto-compaction', () => {
  beforeAll(() => binaries.assertPresent());

  describe('revision mode: keeps the last N revisions', () => {
    let member: Member;
    let endpoint: string;
    const messages: string[] = [];

    beforeAll(async () => {
      const [client, peer] = await freePorts(2);
      endpoint = `${LOOPBACK}:${client!}`;
      member = await Member.start({
        name: 'rev',
        inMemory: true,
        listenClientUrls: [`http://${endpoint}`],
        advertiseClientUrls: [`http://${endpoint}`],
        listenPeerUrls: [`http://${LOOPBACK}:${peer!}`],
        initialAdvertisePeerUrls: [`http://${LOOPBACK}:${peer!}`],
        initialCluster: `rev=http://${LOOPBACK}:${peer!}`,
        autoCompactionMode: 'revision',
        autoCompactionRetention: '3',
        autoCompactionRevisionCheckIntervalMs: 300,
        logger: pino({ level: 'info' }, { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) }),
      });
    });
    afterAll(async () => {
      await member?.close();
    });

    it('compacts to the current revision less the retention, once per revision, and older reads fail as in etcd', async () => {
      await eventually('a leader', async () => (member.raftStatus().role === 'leader' ? true : undefined), 10_000);
      // Revisions 2 … 11.
      await putAll(endpoint, 'rk', 10);
      // Checked every 300 ms, it may have compacted on the way; it ends three below the last put.
      await eventually('the compaction to revision 8', async () => (messages.includes('Finished auto-compaction at revision 8') ? true : undefined), 10_000);
      expect(messages).toContain('Starting auto-compaction at revision 8 (retention: 3 revisions)');
      const compactedTo = messages.map((m) => FINISHED.exec(m)).filter((x) => x !== null).map((x) => Number(x[1]));
      expect(compactedTo.every((rev, i) => rev >= 1 && (i === 0 || rev > compactedTo[i - 1]!))).toBe(true);
      expect(errorLine(await getAt(endpoint, 'rk', 7))).toBe(COMPACTED);
      const kept = await getAt(endpoint, 'rk', 8);
      expect(kept.stdout).toBe('rk\nv7\n');
      // Nothing written since: the same revision is not compacted again.
      await new Promise((r) => setTimeout(r, 1500));
      expect(messages.filter((m) => STARTING.test(m))).toHaveLength(compactedTo.length);
    });
  });

  describe('periodic mode, beside etcd 3.4: keeps a time window', () => {
    const clusters: TestCluster[] = [];
    afterAll(async () => {
      await Promise.all(clusters.map((c) => c.destroy()));
    });

    it('compacts the revision of one period ago; reads below it fail as they do in etcd', async () => {
      const [lodestone, etcd] = await Promise.all(
        (['lodestone', 'etcd'] as const).map((implementation) => TestCluster.start({ implementation, extraArgs: ['--auto-compaction-retention=2s'] })),
      );
      clusters.push(lodestone!, etcd!);
      const outcomes = await Promise.all(
        [lodestone!, etcd!].map(async (cluster) => {
          const m = cluster.member(0);
          await putAll(m.endpoint, 'pk', 5);
          // The first compaction (a period after the start) finds the store as it was then; the next
          // one, a period later, covers the puts.
          await eventually(
            `${cluster.implementation} compacting the puts`,
            async () => {
              const done = m.process.output().map((l) => FINISHED.exec(l)).filter((x) => x !== null);
              return done.some((x) => Number(x[1]) >= 6) ? true : undefined;
            },
            20_000,
            200,
          );
          return { first: errorLine(await getAt(m.endpoint, 'pk', 2)), latest: (await getAt(m.endpoint, 'pk', 6)).stdout };
        }),
      );
      expect(outcomes[0]).toEqual(outcomes[1]);
      expect(outcomes[0]).toEqual({ first: COMPACTED, latest: 'pk\nv5\n' });
      // The same log lines as etcd's (its capnslog ones).
      for (const cluster of [lodestone!, etcd!]) {
        const out = cluster.member(0).process.output().join('\n');
        expect(out, cluster.implementation).toMatch(/Starting auto-compaction at revision \d+ \(retention: 2s\)/);
        expect(out, cluster.implementation).toMatch(FINISHED);
      }
    }, 60_000);
  });

  describe('in a cluster', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await TestCluster.start({ implementation: 'lodestone', size: 3, extraArgs: ['--auto-compaction-retention=1s'] });
    });
    afterAll(async () => {
      await cluster?.destroy();
    });

    it('only the leader compacts; a follower that comes to lead takes over', async () => {
      const { leaderIndex } = await cluster.waitReady();
      const leader = cluster.member(leaderIndex);
      await putAll(leader.endpoint, 'ck', 3);
      await leader.process.waitForLine(FINISHED, { timeoutMs: 10_000, past: true });
      // Two more periods: the followers' compactors are due too, but paused.
      await new Promise((r) => setTimeout(r, 2500));
      const followers = cluster.members.filter((m) => m.index !== leaderIndex);
      for (const f of followers) expect(f.process.output().filter((l) => /auto-compaction at revision/.test(l)), `${f.name}\n${f.process.tail(40)}`).toEqual([]);

      await cluster.stop(leaderIndex);
      const { leaderIndex: next } = await cluster.waitReady();
      const newLeader = cluster.member(next);
      await putAll(newLeader.endpoint, 'ck', 3);
      const line = await newLeader.process.waitForLine(FINISHED, { timeoutMs: 10_000, past: true });
      expect(Number(FINISHED.exec(line)![1])).toBeGreaterThan(1);
      const still = followers.find((f) => f.index !== next)!;
      expect(still.process.output().filter((l) => /auto-compaction at revision/.test(l)), still.name).toEqual([]);
    }, 60_000);
  });
});
