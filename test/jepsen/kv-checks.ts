// The checks on a key-value history: linearizability key by key (each with its own budget, so one
// key that is hard to decide does not leave the others unchecked), and "no acknowledged write
// lost": the value every key holds after the faults are healed must be one that the last
// acknowledged writes, or writes of unknown outcome, could have left there.
import { checkKvHistory, type KvInput, type KvOperation, type KvOutput } from '../linearizability/index.js';
import type { Anomaly } from './workload.js';

/** One operation as the workload recorded it; times are milliseconds since the run started. */
export interface KvRecord {
  readonly index: number;
  /** The logical client: a worker gets a new one after an operation of unknown outcome, as in Jepsen. */
  readonly process: number | 'final';
  /** The member the request was sent to (index), or -1. */
  readonly member: number;
  readonly input: KvInput;
  readonly call: number;
  return?: number;
  outcome: 'pending' | 'ok' | 'fail' | 'unknown';
  output?: KvOutput;
  error?: string;
  revision?: string;
  answeredBy?: string;
}

/** The history the checker takes; an operation still pending counts as unknown. */
export function toOperation(r: KvRecord): KvOperation {
  const base = { client: r.process, input: r.input, call: r.call };
  if (r.outcome === 'ok' && r.output !== undefined && r.return !== undefined) return { ...base, outcome: 'ok', output: r.output, return: r.return };
  if (r.outcome === 'fail' && r.return !== undefined) return { ...base, outcome: 'fail', return: r.return };
  return { ...base, outcome: 'unknown' };
}

export interface CheckBudget {
  /** Wall-clock budget for one key. */
  readonly perKeyMs: number;
  /** Wall-clock budget for every key together; keys left when it runs out are inconclusive. */
  readonly totalMs: number;
}

export interface KeyCheckOutcome {
  readonly keys: number;
  readonly linearizable: number;
  readonly anomalies: Anomaly[];
  /** Keys the budget did not suffice for. */
  readonly inconclusive: string[];
  readonly ms: number;
}

export function groupByKey(records: readonly KvRecord[]): Map<string, KvRecord[]> {
  const byKey = new Map<string, KvRecord[]>();
  for (const r of records) {
    let list = byKey.get(r.input.key);
    if (!list) byKey.set(r.input.key, (list = []));
    list.push(r);
  }
  return byKey;
}

export function checkKeys(records: readonly KvRecord[], budget: CheckBudget, workload = 'kv'): KeyCheckOutcome {
  const started = performance.now();
  const anomalies: Anomaly[] = [];
  const inconclusive: string[] = [];
  let linearizable = 0;
  const byKey = groupByKey(records);
  for (const [key, list] of byKey) {
    const left = budget.totalMs - (performance.now() - started);
    if (left <= 0) {
      inconclusive.push(key);
      continue;
    }
    const result = checkKvHistory(list.map(toOperation), { budget: { timeLimitMs: Math.min(budget.perKeyMs, left) } });
    if (result.ok === true) linearizable++;
    else if (result.ok === 'unknown') inconclusive.push(key);
    else {
      anomalies.push({
        workload,
        kind: 'not-linearizable',
        key,
        message: `key ${JSON.stringify(key)}: no linearization of its ${list.length} operations exists`,
        report: result.report,
      });
    }
  }
  return { keys: byKey.size, linearizable, anomalies, inconclusive, ms: Math.round(performance.now() - started) };
}

/** The value a write leaves: put and compare-and-set their value, delete nothing. */
function writtenValue(input: KvInput): string | null | undefined {
  switch (input.type) {
    case 'put':
    case 'cas':
      return input.value;
    case 'delete':
      return null;
    case 'get':
      return undefined;
  }
}

function show(v: string | null): string {
  return v === null ? 'absent' : JSON.stringify(v);
}

/**
 * "No acknowledged write lost". The last write to take effect on a key is either an acknowledged
 * one that no other acknowledged write began after (a later one would be ordered after it), or a
 * write of unknown outcome; with no acknowledged write, the key may also be absent. The final value
 * must be one of those writes' values. `finalValues` holds the final read of every key.
 */
export function checkFinalValues(records: readonly KvRecord[], finalValues: ReadonlyMap<string, string | null>, workload = 'kv'): Anomaly[] {
  const anomalies: Anomaly[] = [];
  for (const [key, list] of groupByKey(records.filter((r) => r.process !== 'final'))) {
    if (!finalValues.has(key)) continue;
    const final = finalValues.get(key) ?? null;
    const acked = list.filter(
      (r) => r.outcome === 'ok' && r.input.type !== 'get' && !(r.output?.type === 'cas' && !r.output.succeeded),
    );
    const uncertain = list.filter((r) => (r.outcome === 'unknown' || r.outcome === 'pending') && r.input.type !== 'get');
    const latest = acked.filter((w) => !acked.some((w2) => w2.call > w.return!));
    const allowed = new Set<string | null>();
    for (const w of [...latest, ...uncertain]) allowed.add(writtenValue(w.input)!);
    if (acked.length === 0) allowed.add(null);
    if (allowed.has(final)) continue;
    const older = acked.find((w) => writtenValue(w.input) === final);
    const writer = list.find((w) => w.input.type !== 'get' && writtenValue(w.input) === final);
    const origin = older
      ? `an older acknowledged value (written by operation ${older.index}, superseded since)`
      : writer?.outcome === 'fail'
        ? `the value of operation ${writer.index}, a write reported failed`
        : writer?.output?.type === 'cas'
          ? `the value of operation ${writer.index}, a compare-and-set that reported its comparison false`
          : 'a value nobody wrote';
    anomalies.push({
      workload,
      kind: 'lost-write',
      key,
      message:
        `key ${JSON.stringify(key)}: after healing it holds ${show(final)}, ${origin}; ` +
        `the last acknowledged writes were ${latest.map((w) => `#${w.index} ${w.input.type} ${show(writtenValue(w.input)!)} (returned at ${w.return!.toFixed(1)} ms)`).join(', ')}` +
        (uncertain.length > 0 ? `; writes of unknown outcome: ${uncertain.map((w) => show(writtenValue(w.input)!)).join(', ')}` : ''),
    });
  }
  return anomalies;
}
