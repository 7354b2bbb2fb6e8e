// What the KV workloads (put, range, txn-put, mixed) share: connections to where --target sends
// requests, the key space of --key-space keys of --key-size, values of --val-size, the closed loop.
import { Metadata } from '@grpc/grpc-js';
import type { BenchOptions } from '../../cli/bench-options.js';
import { loopSpec, runClosedLoop } from '../tool/closed-loop.js';
import { fillKeys } from '../tool/fill.js';
import { KeySpace, ValuePool } from '../tool/keys.js';
import { encodeRange, type Encoded, type RawKv } from '../tool/raw-kv.js';
import type { System } from '../tool/system.js';
import { loadRow, type Prepared, type RunContext } from '../tool/workload.js';

export const KV_PREFIX = 'bench/';

export interface KvSetup {
  readonly kv: RawKv[];
  readonly keys: KeySpace;
  readonly values: ValuePool;
  /** One Metadata for every request: grpc-js only reads it. */
  readonly md: Metadata;
  /** "to the leader", "through a follower", "to every member". */
  readonly where: string;
}

export const WHERE = { leader: 'to the leader', follower: 'through a follower', all: 'to every member' } as const;

export async function kvSetup(system: System, ctx: RunContext): Promise<KvSetup> {
  const o = ctx.options;
  const endpoints = await system.placed(o.target);
  return {
    kv: system.openRaw(endpoints, o.conns),
    keys: new KeySpace(KV_PREFIX, o.keySpace, o.keySize),
    values: new ValuePool(o.valSize),
    md: new Metadata(),
    where: WHERE[o.target],
  };
}

/** Writes every key of the key space once, so that reads find them. */
export async function fillKeySpace(setup: KvSetup, ctx: RunContext): Promise<void> {
  await fillKeys(setup.kv, {
    count: setup.keys.size,
    key: (i) => setup.keys.key(i),
    value: (i) => setup.values.value(i),
    label: `writing ${setup.keys.size} keys`,
    quiet: ctx.quiet,
  });
}

/** The n-th request's index among `count` prepared ones: a stride through them, not one after another. */
export function pick(n: number, count: number): number {
  return (n * 7919) % count;
}

/** A workload's rounds: the closed loop sending `requests[pick(n)]` over the setup's connections, one row named `key`. */
export function closedLoopRounds(system: System, setup: KvSetup, key: string, label: string, requests: readonly Encoded[]): Prepared {
  return {
    async round(ctx) {
      const r = await runClosedLoop(loopSpec(`${system.name}: ${label}`, ctx), ctx, (w, n, done) =>
        setup.kv[w % setup.kv.length]!.send(requests[pick(n, requests.length)]!, setup.md, done),
      );
      return [loadRow(key, label, r)];
    },
    async close() {},
  };
}

/** Range requests over the key space: one key each, or with `prefix` the ten sharing all but its last digit. */
export function rangeRequests(setup: KvSetup, options: BenchOptions): Encoded[] {
  const serializable = options.consistency === 's';
  const keys = setup.keys;
  return Array.from({ length: Math.min(keys.size, 100_000) }, (_, i) => encodeRange(options.prefix ? { ...keys.tenOf(i), serializable } : { key: keys.key(i), serializable }));
}

export function consistencyName(options: BenchOptions): string {
  return options.consistency === 's' ? 'serializable' : 'linearizable';
}

/** The setup of a workload that reads: the key space written first, and its range requests. */
export async function readSetup(system: System, ctx: RunContext): Promise<{ setup: KvSetup; reads: Encoded[] }> {
  const setup = await kvSetup(system, ctx);
  await fillKeySpace(setup, ctx);
  return { setup, reads: rangeRequests(setup, ctx.options) };
}
