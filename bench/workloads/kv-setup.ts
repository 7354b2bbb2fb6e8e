// What the KV workloads (put, range, txn-put, mixed) share: connections to where --target sends
// requests, the key space of --key-space keys of --key-size, values of --val-size.
import { Metadata } from '@grpc/grpc-js';
import type { ServiceClient } from '../../rpc/etcd-api.js';
import { fillKeys } from '../tool/fill.js';
import { KeySpace, ValuePool } from '../tool/keys.js';
import type { System } from '../tool/system.js';
import type { RunContext } from '../tool/workload.js';

export const KV_PREFIX = 'bench/';

export interface KvSetup {
  readonly kv: ServiceClient<'KV'>[];
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
    kv: system.open('KV', endpoints, o.conns),
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
