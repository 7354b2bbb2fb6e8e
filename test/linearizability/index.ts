// The linearizability checker's public surface, for the workload runner and the fault suites.
export type { Budget } from './budget.js';
export { checkLinearizability, type CheckOptions, type CheckResult, type CheckStats } from './checker.js';
export { checkKvHistory, type KvCheckResult } from './check-kv.js';
export { formatExplanation, type Explanation } from './explanation.js';
export {
  MalformedHistoryError,
  type ClientId,
  type CompletedOperation,
  type FailedOperation,
  type History,
  type IndeterminateOperation,
  type Operation,
  type Time,
} from './history.js';
export { kv, kvInput, type KvHistory, type KvOperation } from './kv-history.js';
export { kvModel, type KvInput, type KvOutput, type RegisterState } from './kv-model.js';
export { ILLEGAL, UNKNOWN_OUTPUT, partitionBy, type Model, type Observed, type Partition } from './model.js';
export { HistoryRecorder, monotonicNanos, type PendingOperation } from './recorder.js';
