import type { KvHistory, KvOperation } from './kv-history.js';
import type { KvInput, KvOutput } from './kv-model.js';

/**
 * One operation of a simulated client, before it runs. Times are abstract units; each client runs
 * its operations one after another, and every operation takes effect atomically at one instant.
 */
export interface PlannedOperation {
  readonly client: number;
  readonly key: number;
  readonly type: KvInput['type'];
  /** Idle time between the client's previous response and this invocation. */
  readonly gap: number;
  /** From invocation to response; at least 1. */
  readonly duration: number;
  /** Where in its interval the operation takes effect, in thousandths (1..999), so strictly inside it. */
  readonly effectAt: number;
  readonly outcome: 'ok' | 'fail' | 'unknown';
  /** A compare-and-set expects the value the key holds when it takes effect (and succeeds), or another. */
  readonly casExpectsCurrent: boolean;
  /** For an unknown outcome: whether it ever takes effect, and how many durations it may lag behind. */
  readonly unknownTakesEffect: boolean;
  readonly unknownLag: number;
}

interface Scheduled {
  readonly plan: PlannedOperation;
  readonly index: number;
  readonly call: number;
  readonly return: number;
  /** When it takes effect; undefined if it never does. */
  readonly effect: number | undefined;
}

/**
 * Runs the planned operations against an atomic in-memory store and records the history a perfect
 * server would produce: each operation's effect lands at one instant inside its interval (an unknown
 * one: at any time after its invocation, or never). Such a history is linearizable by construction.
 * Written values are unique: "v<index>".
 */
export function simulateAtomicKv(plan: readonly PlannedOperation[]): KvHistory {
  const scheduled = schedule(plan);
  const byEffect = scheduled
    .filter((operation) => operation.effect !== undefined)
    .sort((a, b) => a.effect! - b.effect! || a.index - b.index);
  const store = new Map<string, string>();
  const inputs = new Map<number, KvInput>();
  const outputs = new Map<number, KvOutput>();
  for (const operation of byEffect) {
    const key = keyName(operation.plan.key);
    const input = inputFor(operation, store.get(key) ?? null);
    inputs.set(operation.index, input);
    outputs.set(operation.index, apply(store, input));
  }
  return scheduled.map((operation): KvOperation => {
    const { client, outcome } = operation.plan;
    const input = inputs.get(operation.index) ?? inputFor(operation, null);
    if (outcome === 'unknown') return { client, call: operation.call, outcome, input };
    if (outcome === 'fail') return { client, call: operation.call, return: operation.return, outcome, input };
    return { client, call: operation.call, return: operation.return, outcome, input, output: outputs.get(operation.index)! };
  });
}

export function keyName(key: number): string {
  return `k${key}`;
}

function schedule(plan: readonly PlannedOperation[]): Scheduled[] {
  const clientClock = new Map<number, number>();
  return plan.map((planned, index) => {
    const call = (clientClock.get(planned.client) ?? 0) + planned.gap;
    const returned = call + planned.duration;
    clientClock.set(planned.client, returned);
    const fraction = planned.effectAt / 1000;
    let effect: number | undefined;
    if (planned.outcome === 'ok') effect = call + planned.duration * fraction;
    else if (planned.outcome === 'unknown' && planned.unknownTakesEffect) {
      effect = call + planned.duration * planned.unknownLag * fraction;
    }
    return { plan: planned, index, call, return: returned, effect };
  });
}

function inputFor(operation: Scheduled, current: string | null): KvInput {
  const key = keyName(operation.plan.key);
  const value = `v${operation.index}`;
  switch (operation.plan.type) {
    case 'put':
      return { type: 'put', key, value };
    case 'get':
      return { type: 'get', key };
    case 'delete':
      return { type: 'delete', key };
    case 'cas': {
      const other = current === null ? 'v-unwritten' : null;
      return { type: 'cas', key, expected: operation.plan.casExpectsCurrent ? current : other, value };
    }
  }
}

function apply(store: Map<string, string>, input: KvInput): KvOutput {
  const current = store.get(input.key) ?? null;
  switch (input.type) {
    case 'put':
      store.set(input.key, input.value);
      return { type: 'put' };
    case 'get':
      return { type: 'get', value: current };
    case 'delete':
      store.delete(input.key);
      return { type: 'delete', deleted: current === null ? 0 : 1 };
    case 'cas': {
      const succeeded = current === input.expected;
      if (succeeded) store.set(input.key, input.value);
      return { type: 'cas', succeeded };
    }
  }
}
