// A new leader whose applies lag must not start its lease clocks from stale lease records. Three
// members A (leader), B and C. A lease is left idle past TTL/2, so A checkpoints its remaining TTL
// through raft, and B applies such a checkpoint. Then B's applies are delayed (a fault file's
// applyDelayMs) and C stops hearing from A (dropFrom), the client renews the lease through A — A
// first commits, with B, the entry clearing the checkpoint — and A is killed at once. B holds that
// entry in its log but has not applied it; C lacks it, so only B can win the election.
//
// A leader that started its clocks on election would count from B's stale checkpoint (a few seconds)
// and expire the lease a few seconds after the renewal. Lodestone starts them once the new leader has
// applied its election entry, i.e. every entry before it: the lease must last a full TTL from the
// renewal.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type LeaseKeepAliveResponse, type StatusResponse, type WatchResponse } from '../../rpc/etcd-api.js';
import { eventually } from '../support/eventually.js';
import { FAULT_SETTLE_MS, startClusterWithFaults, type ClusterWithFaults } from '../support/member-fault-files.js';

const TTL_S = 10;
const TTL_MS = TTL_S * 1000;
/** The member's defaults (cluster/member-options.ts): a new leader adds one election timeout to every lease. */
const ELECTION_TIMEOUT_MS = 1000;
/** The leader checkpoints a lease idle for TTL/2, then every interval (cluster/lessor.ts). */
const CHECKPOINT_INTERVAL_MS = 1000;
/** Long enough that B cannot apply the renewal's entries before it is elected (about 1–3 s after the kill). */
const APPLY_DELAY_MS = 6000;
/** The expiry round (every 250 ms), the revoke's commit and the delete event's delivery. */
const OBSERVATION_ALLOWANCE_MS = 3000;
const KEY = 'lease-promotion/key';

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const deadline = (ms = 5000): { deadline: number } => ({ deadline: Date.now() + ms });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function status(endpoint: string): Promise<StatusResponse> {
  const client = createEtcdClient('Maintenance', endpoint);
  try {
    return await unary<StatusResponse>((cb) => client.Status({}, new Metadata(), deadline(1000), cb));
  } finally {
    client.close();
  }
}

interface TtlAnswer {
  readonly ttl: number;
  readonly receivedAt: number;
}

interface Outcome {
  readonly leaderHex: string;
  readonly laggingHex: string;
  /** Who the surviving members agreed on after the kill. */
  readonly newLeaderHex: string;
  /** The old leader's last log index right after the renewal (the checkpoint-clearing entry is last). */
  readonly indexAtRenewal: number;
  /** What B had applied when it was first seen leading. */
  readonly laggingAppliedAsLeader: number;
  /** The lease's remaining TTL as the old leader reported it before the renewal. */
  readonly ttlBeforeRenewal: number;
  readonly renewSent: number;
  readonly renewAnswered: number;
  readonly killedAt: number;
  readonly failoverMs: number;
  readonly deletedAt: number | undefined;
  readonly ttlAnswers: readonly TtlAnswer[];
}

describe('a new leader whose applies lag promotes its leases only after applying its predecessor\'s entries', () => {
  let started: ClusterWithFaults | undefined;
  const closers: (() => void)[] = [];
  let outcome: Outcome | undefined;

  afterAll(async () => {
    for (const c of closers) c();
    await started?.destroy();
  }, 30_000);

  beforeAll(async () => {
    started = await startClusterWithFaults('lease-promotion-');
    const files = started.faults;
    const setFaults = (name: string, f: object): Promise<void> => files.set(name, f);
    const c = started.cluster;
    const { leaderIndex } = await c.waitReady();
    const a = c.member(leaderIndex);
    const [b, cc] = c.members.filter((m) => m.index !== leaderIndex) as [typeof a, typeof a];
    const hexOf = async (endpoint: string): Promise<string> => BigInt((await status(endpoint)).header!.member_id).toString(16);
    const [aHex, bHex] = [await hexOf(a.endpoint), await hexOf(b.endpoint)];

    const leaseA = createEtcdClient('Lease', a.endpoint);
    const kvA = createEtcdClient('KV', a.endpoint);
    const leaseC = createEtcdClient('Lease', cc.endpoint);
    const watchC = createEtcdClient('Watch', cc.endpoint);
    closers.push(() => [leaseA, kvA, leaseC, watchC].forEach((x) => x.close()));

    const granted = await unary<{ ID: string; TTL: string }>((cb) => leaseA.LeaseGrant({ TTL: String(TTL_S) }, new Metadata(), deadline(), cb));
    expect(granted.TTL).toBe(String(TTL_S));
    const grantAnswered = Date.now();
    const leaseId = granted.ID;
    const put = await unary<{ header: { revision: string } | null }>((cb) =>
      kvA.Put({ key: Buffer.from(KEY), value: Buffer.from('v'), lease: leaseId }, new Metadata(), deadline(), cb),
    );
    const indexAfterPut = Number((await status(a.endpoint)).raftIndex);

    // The key's deletion, as C (which applies promptly throughout) sees it.
    let deletedAt: number | undefined;
    const watch = watchC.Watch();
    closers.push(() => watch.cancel());
    watch.on('error', () => undefined);
    const created = new Promise<void>((resolve) => watch.once('data', () => resolve()));
    watch.on('data', (res: WatchResponse) => {
      if (deletedAt === undefined && res.events.some((e) => e.type === 'DELETE')) deletedAt = Date.now();
    });
    watch.write({ create_request: { key: Buffer.from(KEY), start_revision: String(Number(put.header!.revision) + 1) } });
    await created;

    // Idle past TTL/2: the leader's countdown goes below half the TTL and it checkpoints the rest.
    const ttlOnLeader = async (): Promise<number> =>
      Number((await unary<{ TTL: string }>((cb) => leaseA.LeaseTimeToLive({ ID: leaseId }, new Metadata(), deadline(), cb))).TTL);
    await sleep(Math.max(0, grantAnswered + TTL_MS / 2 + CHECKPOINT_INTERVAL_MS - Date.now()));
    const ttlBeforeRenewal = await ttlOnLeader();
    expect(ttlBeforeRenewal, 'the leader counts the idle lease down').toBeLessThan(TTL_S / 2);
    expect(ttlBeforeRenewal).toBeGreaterThan(0);
    // Every entry so far — the checkpoints among them — applied by B before its applies stall.
    const indexCheckpointed = await eventually('the leader to checkpoint the idle lease', async () => {
      const index = Number((await status(a.endpoint)).raftIndex);
      return index > indexAfterPut ? index : undefined;
    }, 2000, 50);
    await eventually('B to apply the checkpoints', async () => (Number((await status(b.endpoint)).raftAppliedIndex) >= indexCheckpointed ? true : undefined), 5000, 20);
    await setFaults(b.name, { applyDelayMs: APPLY_DELAY_MS });
    await setFaults(cc.name, { dropFrom: [aHex] });
    await sleep(FAULT_SETTLE_MS);

    // The renewal through A, then A's crash.
    const keepAlive = leaseA.LeaseKeepAlive(new Metadata());
    keepAlive.on('error', () => undefined);
    const renewSent = Date.now();
    const answered = new Promise<LeaseKeepAliveResponse>((resolve) => keepAlive.once('data', resolve));
    keepAlive.write({ ID: leaseId });
    const renewal = await answered;
    const renewAnswered = Date.now();
    expect(Number(renewal.TTL)).toBe(TTL_S);
    const indexAtRenewal = Number((await status(a.endpoint)).raftIndex);
    await c.kill(leaderIndex);
    const killedAt = Date.now();
    keepAlive.cancel();

    // Only B can win: C's log lacks A's last entries.
    const elected = await eventually('a new leader', async () => {
      const [sb, sc] = await Promise.all([status(b.endpoint), status(cc.endpoint)]);
      const leaderHex = BigInt(sb.leader).toString(16);
      if (sb.leader === '0' || sb.leader !== sc.leader || leaderHex === aHex) return undefined;
      return { leaderHex, appliedAsLeader: Number(sb.raftAppliedIndex) };
    }, 20_000, 50);
    const failoverMs = Date.now() - killedAt;
    // B may catch up now; the apply under way keeps its delay.
    await setFaults(b.name, {});

    // The lease's remaining TTL, as C (forwarding to the new leader) reports it, until its key is deleted.
    const ttlAnswers: TtlAnswer[] = [];
    const waitUntil = renewAnswered + TTL_MS + ELECTION_TIMEOUT_MS + failoverMs + APPLY_DELAY_MS + OBSERVATION_ALLOWANCE_MS;
    while (deletedAt === undefined && Date.now() < waitUntil) {
      try {
        const r = await unary<{ TTL: string }>((cb) => leaseC.LeaseTimeToLive({ ID: leaseId }, new Metadata(), deadline(2000), cb));
        ttlAnswers.push({ ttl: Number(r.TTL), receivedAt: Date.now() });
      } catch {
        // No leader yet, or it has not started its clocks: no answer to judge.
      }
      await sleep(250);
    }

    const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `lease promotion: TTL ${TTL_S} s; TTL left before the renewal ${ttlBeforeRenewal} s; failover ${fmt(failoverMs)} ` +
        `(new leader ${elected.leaderHex}, lagging member ${bHex}, applied ${elected.appliedAsLeader} of ${indexAtRenewal} when first seen leading); ` +
        `key deleted ${deletedAt === undefined ? 'never' : `${fmt(deletedAt - renewSent)} after the renewal`}; ` +
        `timetolive answers after the kill: ${ttlAnswers.map((t) => `${t.ttl}@${fmt(t.receivedAt - renewSent)}`).join(' ')}`,
    );
    outcome = {
      leaderHex: aHex,
      laggingHex: bHex,
      newLeaderHex: elected.leaderHex,
      indexAtRenewal,
      laggingAppliedAsLeader: elected.appliedAsLeader,
      ttlBeforeRenewal,
      renewSent,
      renewAnswered,
      killedAt,
      failoverMs,
      deletedAt,
      ttlAnswers,
    };
  }, 90_000);

  it('the scenario holds: the lagging member leads before it has applied the renewal\'s entries', () => {
    const o = outcome!;
    expect(o.newLeaderHex).toBe(o.laggingHex);
    expect(o.laggingAppliedAsLeader).toBeLessThan(o.indexAtRenewal);
  });

  it('the lease is not gone before a full TTL has passed since its renewal', () => {
    const o = outcome!;
    const early = o.deletedAt !== undefined && o.deletedAt < o.renewSent + TTL_MS;
    expect(early, `key deleted ${o.deletedAt! - o.renewSent} ms after the renewal was sent (TTL ${TTL_MS} ms)`).toBe(false);
  });

  it('the new leader never reports less time left than the renewal granted', () => {
    const o = outcome!;
    // An answer of `ttl` s (whole seconds left, truncated) means less than ttl + 1 s were left when it
    // was made, before it arrived.
    const short = o.ttlAnswers.filter((t) => (t.ttl + 1) * 1000 < o.renewSent + TTL_MS - t.receivedAt);
    expect(short.map((t) => `TTL ${t.ttl} s answered ${t.receivedAt - o.renewSent} ms after the renewal`)).toEqual([]);
  });

  it('the lease still expires once the new leader has caught up', () => {
    const o = outcome!;
    // Clocks start once B has applied its backlog (at most one apply delay after the election), then
    // run a full TTL plus the election timeout a new leader grants.
    const limit = o.renewAnswered + TTL_MS + ELECTION_TIMEOUT_MS + o.failoverMs + APPLY_DELAY_MS + OBSERVATION_ALLOWANCE_MS;
    expect(o.deletedAt, 'the key was deleted').toBeDefined();
    expect(o.deletedAt!).toBeLessThanOrEqual(limit);
  });
});
