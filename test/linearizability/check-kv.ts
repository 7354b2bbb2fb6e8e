import { checkLinearizability, type CheckOptions, type CheckResult } from './checker.js';
import type { KvHistory } from './kv-history.js';
import { kvModel, type KvInput, type KvOutput, type RegisterState } from './kv-model.js';

export type KvCheckResult = CheckResult<RegisterState, KvInput, KvOutput>;

/** Checks a key-value history, each key on its own. */
export function checkKvHistory(history: KvHistory, options?: CheckOptions): KvCheckResult {
  return checkLinearizability(kvModel, history, options);
}
