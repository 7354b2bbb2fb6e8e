// The key-value workload: N clients, each bound to a member and moving to the next when a request
// to it fails (as a real client would), doing put / linearizable get / compare-and-set / delete on a
// few keys with unique values. A key is retired for a fresh one after a few hundred operations, or
// sooner once several writes of unknown outcome pile up on it: the checker's cost grows fast with
// them. After the run, one linearizable read of every key ever used goes into the history, and
// every member must come to hold the same values. A client whose member was removed from the
// cluster takes another one (a member added since, perhaps) as its own.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { RangeResponse, ServiceClient } from '../../rpc/etcd-api.js';
import type { KvInput } from '../linearizability/index.js';
import type { Prng } from '../sim/prng.js';
import type { TestCluster } from '../support/cluster.js';
import { checkFinalValues, checkKeys, type CheckBudget, type KvRecord } from './kv-checks.js';
import { classifyError, describeError, openKv, runKvOperation, type Answer } from './kv-client.js';
import { sleep, type Anomaly, type Workload, type WorkloadContext, type WorkloadReport } from './workload.js';

export interface KvWorkloadOptions {
  readonly clients: number;
  /** Keys in use at once. */
  readonly keys: number;
  /** Operations issued on a key before it is retired. */
  readonly opsPerKey: number;
  /** Writes of unknown outcome on a key before it is retired. */
  readonly maxUnknownWritesPerKey: number;
  /** Client-side deadline of every request. */
  readonly timeoutMs: number;
  /** Relative weights of the operation types. */
  readonly mix: Readonly<Record<KvInput['type'], number>>;
  /** Pause between a client's operations, [min, max] ms. */
  readonly thinkMs: readonly [number, number];
  /** Reads with serializable: true — a deliberately weakened setting, for showing the checker works. */
  readonly serializableReads: boolean;
  /** Clients stay on their member whatever happens (with serializableReads: stale reads for sure). */
  readonly stickyClients: boolean;
  /** A client that moved away from its own member goes back to it after this long. */
  readonly returnHomeMs: number;
  readonly keyPrefix: string;
  readonly checkBudget: CheckBudget;
  /** Acknowledged operations whose revision is read back after the run (evenly sampled beyond this). */
  readonly maxRevisionChecks: number;
}

export const DEFAULT_KV_OPTIONS: KvWorkloadOptions = {
  clients: 12,
  keys: 4,
  opsPerKey: 250,
  maxUnknownWritesPerKey: 12,
  timeoutMs: 3000,
  mix: { get: 0.35, put: 0.25, cas: 0.3, delete: 0.1 },
  thinkMs: [0, 10],
  serializableReads: false,
  stickyClients: false,
  returnHomeMs: 2000,
  keyPrefix: 'jepsen/',
  checkBudget: { perKeyMs: 20_000, totalMs: 300_000 },
  maxRevisionChecks: 20_000,
};

/** The name of the `n`th key the workload uses (k00000, k00001, …): ten in a row share a prefix. */
export function kvKeyName(prefix: string, n: number): string {
  return `${prefix}k${String(n).padStart(5, '0')}`;
}

/** What other workloads (the watchers) may know of the keys: how many were taken, which are in use. */
export interface KeyFeed {
  readonly prefix: string;
  /** Keys taken so far: kvKeyName(prefix, 0 … allocated - 1). */
  allocated(): number;
  /** Whether a key is still in use (taken and not retired). */
  isActive(key: string): boolean;
  /** The operations recorded so far. */
  records(): readonly KvRecord[];
}

class KeyPool {
  private readonly active: { key: string; issued: number; unknownWrites: number }[] = [];
  readonly all: string[] = [];

  constructor(
    private readonly prefix: string,
    size: number,
    private readonly opsPerKey: number,
    private readonly maxUnknownWrites: number,
  ) {
    for (let i = 0; i < size; i++) this.active.push(this.fresh());
  }

  pick(rng: Prng): string {
    const i = rng.int(this.active.length);
    const slot = this.active[i]!;
    slot.issued++;
    if (slot.issued >= this.opsPerKey) this.active[i] = this.fresh();
    return slot.key;
  }

  noteUnknownWrite(key: string): void {
    const i = this.active.findIndex((s) => s.key === key);
    if (i >= 0 && ++this.active[i]!.unknownWrites >= this.maxUnknownWrites) this.active[i] = this.fresh();
  }

  isActive(key: string): boolean {
    return this.active.some((s) => s.key === key);
  }

  private fresh(): { key: string; issued: number; unknownWrites: number } {
    const key = kvKeyName(this.prefix, this.all.length);
    this.all.push(key);
    return { key, issued: 0, unknownWrites: 0 };
  }
}

export class KvWorkload implements Workload {
  readonly name = 'kv';
  readonly options: KvWorkloadOptions;
  private readonly records: KvRecord[] = [];
  private keys!: KeyPool;
  private ctx!: WorkloadContext;
  private stopping = false;
  private running: Promise<void>[] = [];
  private readonly channels = new Map<string, ServiceClient<'KV'>>();
  /** The last value seen on each key, which compare-and-sets expect. */
  private readonly lastSeen = new Map<string, string | null>();
  private nextValue = 0;
  private finalValues: Map<string, string | null> | undefined;
  private readonly finishAnomalies: Anomaly[] = [];
  private revisionChecks = { done: 0, unanswered: 0, mismatched: 0 };

  constructor(options: Partial<KvWorkloadOptions> = {}) {
    this.options = { ...DEFAULT_KV_OPTIONS, ...options };
  }

  start(ctx: WorkloadContext): void {
    this.ctx = ctx;
    const o = this.options;
    this.keys = new KeyPool(o.keyPrefix, o.keys, o.opsPerKey, o.maxUnknownWritesPerKey);
    this.running = Array.from({ length: o.clients }, (_, c) => this.client(c, ctx.rng.fork()));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  async finish(ctx: WorkloadContext): Promise<void> {
    const reference = await this.finalRead(ctx);
    if (reference) await this.awaitConvergence(ctx, reference.values, reference.revision);
    await this.verifyRevisions(ctx);
  }

  close(): void {
    this.stopping = true;
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }

  check(): WorkloadReport {
    const outcome = checkKeys(this.records, this.options.checkBudget, this.name);
    const lost = this.finalValues ? checkFinalValues(this.records, this.finalValues, this.name) : [];
    const count = (pred: (r: KvRecord) => boolean): number => this.records.filter(pred).length;
    const byType: Record<string, Record<string, number>> = {};
    for (const r of this.records) {
      if (r.process === 'final') continue;
      const t = (byType[r.input.type] ??= { ok: 0, fail: 0, unknown: 0 });
      t[r.outcome === 'pending' ? 'unknown' : r.outcome]!++;
    }
    const workloadOps = this.records.filter((r) => r.process !== 'final');
    return {
      name: this.name,
      figures: {
        operations: workloadOps.length,
        ok: workloadOps.filter((r) => r.outcome === 'ok').length,
        fail: workloadOps.filter((r) => r.outcome === 'fail').length,
        unknown: workloadOps.filter((r) => r.outcome === 'unknown' || r.outcome === 'pending').length,
        byType,
        casSucceeded: count((r) => r.outcome === 'ok' && r.output?.type === 'cas' && r.output.succeeded),
        finalReads: count((r) => r.process === 'final' && r.outcome === 'ok'),
        operationsChecked: this.records.length,
        keys: outcome.keys,
        keysLinearizable: outcome.linearizable,
        keysInconclusive: outcome.inconclusive.length,
        checkMs: outcome.ms,
        revisionChecks: this.revisionChecks.done,
        revisionChecksUnanswered: this.revisionChecks.unanswered,
      },
      anomalies: [...outcome.anomalies, ...lost, ...this.finishAnomalies],
      inconclusive: outcome.inconclusive.length + this.revisionChecks.unanswered,
    };
  }

  *history(): Iterable<Readonly<Record<string, unknown>>> {
    const names = this.ctx.cluster.members.map((m) => m.name);
    for (const r of this.records) {
      yield {
        index: r.index,
        process: r.process,
        member: names[r.member] ?? null,
        type: r.input.type,
        key: r.input.key,
        ...(r.input.type === 'put' || r.input.type === 'cas' ? { value: r.input.value } : {}),
        ...(r.input.type === 'cas' ? { expected: r.input.expected } : {}),
        call: round3(r.call),
        return: r.return === undefined ? null : round3(r.return),
        outcome: r.outcome === 'pending' ? 'unknown' : r.outcome,
        ...(r.output ? { output: r.output } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.revision ? { revision: r.revision, answeredBy: r.answeredBy } : {}),
      };
    }
  }

  /** The keys as other workloads may follow them (valid once started). */
  keyFeed(): KeyFeed {
    return {
      prefix: this.options.keyPrefix,
      allocated: () => (this.keys as KeyPool | undefined)?.all.length ?? 0,
      isActive: (key) => (this.keys as KeyPool | undefined)?.isActive(key) ?? false,
      records: () => this.records,
    };
  }

  /** Every record so far (for tests and reports). */
  get recorded(): readonly KvRecord[] {
    return this.records;
  }

  // ---------------------------------------------------------------- clients

  private async client(c: number, rng: Prng): Promise<void> {
    const o = this.options;
    const cluster = this.ctx.cluster;
    let home = c % cluster.members.length;
    let member = home;
    let movedAt = 0;
    let process = c;
    while (!this.stopping) {
      // A member removed from the cluster: a new home among those in it now (members added included).
      if (cluster.isRemoved(home)) {
        const active = cluster.activeMembers;
        home = active[c % active.length]!.index;
      }
      if (cluster.isRemoved(member)) member = home;
      // Back to its own member a while after leaving it: if that is still down, the request fails fast.
      if (member !== home && this.ctx.clock() - movedAt > o.returnHomeMs) member = home;
      const key = this.keys.pick(rng);
      const input = this.generate(key, rng);
      const record = this.invoke(process, member, input);
      try {
        const answer = await runKvOperation(this.kv(c, member), input, { timeoutMs: o.timeoutMs, serializableReads: o.serializableReads });
        this.complete(record, 'ok', answer);
        this.learn(input, answer);
      } catch (e) {
        // A read has no effect: whatever went wrong, it is known not to have taken any.
        const outcome = input.type === 'get' ? 'fail' : classifyError(e);
        this.complete(record, outcome, undefined, describeError(e));
        if (outcome === 'unknown') {
          process += o.clients;
          this.keys.noteUnknownWrite(key);
        }
        if (!o.stickyClients) {
          member = nextMember(cluster, member);
          movedAt = this.ctx.clock();
        }
        await sleep(rng.range(20, 100));
      }
      if (o.thinkMs[1] > 0) await sleep(rng.range(o.thinkMs[0], o.thinkMs[1]));
    }
  }

  private generate(key: string, rng: Prng): KvInput {
    const mix = this.options.mix;
    const total = mix.get + mix.put + mix.cas + mix.delete;
    let x = rng.float() * total;
    const value = (): string => `v${++this.nextValue}`;
    if ((x -= mix.get) < 0) return { type: 'get', key };
    if ((x -= mix.put) < 0) return { type: 'put', key, value: value() };
    if ((x -= mix.cas) < 0) return { type: 'cas', key, expected: this.lastSeen.get(key) ?? null, value: value() };
    return { type: 'delete', key };
  }

  private learn(input: KvInput, answer: Answer): void {
    const out = answer.output;
    if (out.type === 'get') this.lastSeen.set(input.key, out.value);
    else if (input.type === 'put' || (input.type === 'cas' && out.type === 'cas' && out.succeeded)) this.lastSeen.set(input.key, input.value);
    else if (input.type === 'delete') this.lastSeen.set(input.key, null);
  }

  private invoke(process: number | 'final', member: number, input: KvInput): KvRecord {
    const record: KvRecord = { index: this.records.length, process, member, input, call: this.ctx.clock(), outcome: 'pending' };
    this.records.push(record);
    return record;
  }

  private complete(record: KvRecord, outcome: 'ok' | 'fail' | 'unknown', answer?: Answer, error?: string): void {
    if (record.outcome !== 'pending') throw new Error(`operation ${record.index} completed twice`);
    record.outcome = outcome;
    if (outcome !== 'unknown') record.return = this.ctx.clock();
    if (answer) {
      record.output = answer.output;
      record.revision = answer.revision;
      record.answeredBy = answer.memberId;
    }
    if (error !== undefined) record.error = error;
  }

  private kv(client: number | string, member: number): ServiceClient<'KV'> {
    const id = `${client}@${member}`;
    let kv = this.channels.get(id);
    if (!kv) this.channels.set(id, (kv = openKv(this.ctx.cluster.members[member]!.endpoint, this.ctx.cluster.clientCredentials)));
    return kv;
  }

  // ---------------------------------------------------------------- after the run

  /**
   * One linearizable read of the whole key prefix, recorded as a read of every key ever used (a
   * range read is one atomic read of all of them). Tries each member in turn until one answers.
   */
  private async finalRead(ctx: WorkloadContext): Promise<{ values: Map<string, string | null>; revision: string } | undefined> {
    const members = ctx.cluster.activeMembers.map((m) => m.index);
    const errors: string[] = [];
    for (let attempt = 0; attempt < 3 * members.length; attempt++) {
      const member = members[attempt % members.length]!;
      const call = ctx.clock();
      try {
        const res = await this.rangePrefix(member, { serializable: false }, 10_000);
        const ret = ctx.clock();
        const values = new Map<string, string | null>(this.keys.all.map((k) => [k, null]));
        for (const kv of res.kvs) values.set(kv.key.toString(), kv.value.toString());
        for (const key of this.keys.all) {
          const record: KvRecord = { index: this.records.length, process: 'final', member, input: { type: 'get', key }, call, outcome: 'ok' };
          record.return = ret;
          record.output = { type: 'get', value: values.get(key) ?? null };
          record.revision = res.header?.revision ?? '0';
          this.records.push(record);
        }
        this.finalValues = values;
        ctx.log(`final read: ${res.kvs.length} of ${this.keys.all.length} keys present, from ${ctx.cluster.members[member]!.name}`);
        return { values, revision: res.header?.revision ?? '0' };
      } catch (e) {
        errors.push(`${ctx.cluster.members[member]!.name}: ${describeError(e)}`);
        await sleep(500);
      }
    }
    this.finishAnomalies.push({ workload: this.name, kind: 'final-read-failed', message: `no member answered the final read: ${errors.join('; ')}` });
    return undefined;
  }

  /**
   * Every member must come to hold what the final read saw: a serializable read of each member at
   * the final read's revision (so that a write of unknown outcome applied after it changes nothing).
   */
  private async awaitConvergence(ctx: WorkloadContext, reference: ReadonlyMap<string, string | null>, revision: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const m of ctx.cluster.activeMembers) {
      let last = '';
      for (;;) {
        try {
          const res = await this.rangePrefix(m.index, { serializable: true, revision }, 5000);
          const held = new Map(res.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
          const differing = [...reference].filter(([k, v]) => (held.get(k) ?? null) !== v);
          const extra = [...held.keys()].filter((k) => !reference.has(k));
          if (differing.length === 0 && extra.length === 0) break;
          last = `${differing.length + extra.length} keys differ, e.g. ${[...differing.slice(0, 3).map(([k, v]) => `${k}: ${show(held.get(k) ?? null)} instead of ${show(v)}`), ...extra.slice(0, 3).map((k) => `${k} should not exist`)].join('; ')}`;
        } catch (e) {
          last = describeError(e);
        }
        if (Date.now() > deadline) {
          this.finishAnomalies.push({ workload: this.name, kind: 'divergence', message: `member ${m.name} does not hold what the final read saw: ${last}` });
          break;
        }
        await sleep(200);
      }
    }
  }

  /**
   * Every acknowledged operation against the store's history: the revision in its response header
   * is read back (serializable, at that revision, from each member in turn). A put or a
   * compare-and-set that succeeded must be there with its value and exactly that mod revision; a
   * delete leaves the key absent; a read saw what the history holds at its revision. No two writes
   * may claim the same revision. Beyond maxRevisionChecks operations, an even sample is read.
   */
  private async verifyRevisions(ctx: WorkloadContext): Promise<void> {
    const acknowledged = this.records.filter(
      (r) => r.process !== 'final' && r.outcome === 'ok' && r.revision !== undefined && !(r.output?.type === 'cas' && !r.output.succeeded),
    );
    const claimed = new Map<string, KvRecord>();
    for (const r of acknowledged) {
      const creates = r.input.type === 'put' || r.input.type === 'cas' || (r.output?.type === 'delete' && r.output.deleted > 0);
      if (!creates) continue;
      const other = claimed.get(r.revision!);
      if (other) {
        this.finishAnomalies.push({
          workload: this.name,
          kind: 'revision-reused',
          key: r.input.key,
          message: `operations ${other.index} (${other.input.type} ${other.input.key}) and ${r.index} (${r.input.type} ${r.input.key}) were both acknowledged at revision ${r.revision}`,
        });
      } else claimed.set(r.revision!, r);
    }
    const stride = Math.max(1, acknowledged.length / this.options.maxRevisionChecks);
    const picked: KvRecord[] = [];
    for (let i = 0; i < acknowledged.length && picked.length < this.options.maxRevisionChecks; i += stride) picked.push(acknowledged[Math.floor(i)]!);
    const members = ctx.cluster.activeMembers.map((m) => m.index);
    let nextIndex = 0;
    const worker = async (): Promise<void> => {
      while (nextIndex < picked.length) {
        const i = nextIndex++;
        const r = picked[i]!;
        const expected = r.input.type === 'put' || r.input.type === 'cas' ? r.input.value : r.output?.type === 'get' ? r.output.value : null;
        let answered = false;
        for (let attempt = 0; attempt < members.length && !answered; attempt++) {
          const member = members[(i + attempt) % members.length]!;
          try {
            const res = await this.range(member, r.input.key, r.revision!, 5000);
            answered = true;
            const kv = res.kvs[0];
            const held = kv ? kv.value.toString() : null;
            const wrongRevision = kv !== undefined && (r.input.type === 'put' || r.input.type === 'cas') && kv.mod_revision !== r.revision;
            if (held !== expected || wrongRevision) this.mismatch(r, ctx.cluster.members[member]!.name, held, kv?.mod_revision);
          } catch {
            // another member may answer
          }
        }
        this.revisionChecks.done++;
        if (!answered) this.revisionChecks.unanswered++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    ctx.log(`revision checks: ${this.revisionChecks.done} acknowledged operations read back, ${this.revisionChecks.mismatched} mismatched, ${this.revisionChecks.unanswered} unanswered`);
  }

  private mismatch(r: KvRecord, member: string, held: string | null, modRevision: string | undefined): void {
    if (++this.revisionChecks.mismatched > 20) return; // the first twenty tell the story
    const what =
      r.input.type === 'get'
        ? `read ${show(r.output?.type === 'get' ? r.output.value : null)}`
        : r.input.type === 'delete'
          ? 'deleted it'
          : `wrote ${show(r.input.value)}`;
    this.finishAnomalies.push({
      workload: this.name,
      kind: r.input.type === 'get' ? 'read-not-in-history' : 'lost-write',
      key: r.input.key,
      message: `operation ${r.index} ${what} on ${JSON.stringify(r.input.key)}, acknowledged at revision ${r.revision}, but ${member} holds ${show(held)} there${modRevision ? ` (mod revision ${modRevision})` : ''}`,
    });
  }

  private range(member: number, key: string, revision: string, timeoutMs: number): Promise<RangeResponse> {
    const kv = this.kv('final', member);
    return new Promise((resolve, reject) => {
      kv.Range({ key: Buffer.from(key), revision, serializable: true }, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: RangeResponse) =>
        err ? reject(err) : res ? resolve(res) : reject(new Error('empty response')),
      );
    });
  }

  private rangePrefix(member: number, how: { serializable: boolean; revision?: string }, timeoutMs: number): Promise<RangeResponse> {
    const prefix = Buffer.from(this.options.keyPrefix);
    const end = Buffer.from(prefix);
    end[end.length - 1]!++;
    const kv = this.kv('final', member);
    return new Promise((resolve, reject) => {
      kv.Range({ key: prefix, range_end: end, ...how }, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: RangeResponse) =>
        err ? reject(err) : res ? resolve(res) : reject(new Error('empty response')),
      );
    });
  }
}

/** The member after `index` (in index order, round and round) that the cluster has not removed. */
export function nextMember(cluster: TestCluster, index: number): number {
  const n = cluster.members.length;
  for (let step = 1; step <= n; step++) {
    const i = (index + step) % n;
    if (!cluster.isRemoved(i)) return i;
  }
  return index;
}

function show(v: string | null): string {
  return v === null ? 'absent' : JSON.stringify(v);
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
