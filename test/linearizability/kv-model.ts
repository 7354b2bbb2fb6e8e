import { ILLEGAL, UNKNOWN_OUTPUT, partitionBy, type Model, type Observed } from './model.js';

/** The etcd-like operations a workload issues, each on one key. Values are strings. */
export type KvInput =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'delete'; readonly key: string }
  /** Sets `value` if the key currently holds `expected`; `expected: null` means "the key is absent". */
  | { readonly type: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type KvOutput =
  | { readonly type: 'put' }
  | { readonly type: 'get'; readonly value: string | null }
  | { readonly type: 'delete'; readonly deleted: number }
  | { readonly type: 'cas'; readonly succeeded: boolean };

/** The value of one key; `null` when the key is absent. */
export type RegisterState = string | null;

/**
 * Keys are independent, so `partition` splits the history by key and the state is the value of a
 * single key: every history the checker sees through this model holds operations on one key only.
 */
export const kvModel: Model<RegisterState, KvInput, KvOutput> = {
  init: () => null,
  step: stepRegister,
  equal: (a, b) => a === b,
  partition: (history) => partitionBy(history, (input) => input.key),
  isObservation,
  describeOperation,
  describeState: (state) => (state === null ? 'absent' : JSON.stringify(state)),
};

function stepRegister(
  state: RegisterState,
  input: KvInput,
  observed: Observed<KvOutput>,
): RegisterState | typeof ILLEGAL {
  if (observed !== UNKNOWN_OUTPUT && observed.type !== input.type) {
    throw new TypeError(`a ${input.type} operation returned the output of a ${observed.type}`);
  }
  const output = observed === UNKNOWN_OUTPUT ? undefined : observed;
  switch (input.type) {
    case 'put':
      return input.value;
    case 'get':
      if (output?.type !== 'get') return state;
      return output.value === state ? state : ILLEGAL;
    case 'delete': {
      if (output?.type !== 'delete') return null;
      return output.deleted === (state === null ? 0 : 1) ? null : ILLEGAL;
    }
    case 'cas': {
      const matches = state === input.expected;
      const next = matches ? input.value : state;
      if (output?.type !== 'cas') return next;
      return output.succeeded === matches ? next : ILLEGAL;
    }
    default:
      return assertNever(input);
  }
}

/** A read; a compare-and-set that failed; a delete that found nothing. */
function isObservation(input: KvInput, output: Observed<KvOutput>): boolean {
  if (input.type === 'get') return true;
  if (output === UNKNOWN_OUTPUT) return false;
  return (output.type === 'cas' && !output.succeeded) || (output.type === 'delete' && output.deleted === 0);
}

function describeOperation(input: KvInput, observed: Observed<KvOutput>): string {
  const call = describeInput(input);
  if (observed === UNKNOWN_OUTPUT) return `${call} → ?`;
  switch (observed.type) {
    case 'put':
      return call;
    case 'get':
      return `${call} → ${observed.value === null ? 'absent' : JSON.stringify(observed.value)}`;
    case 'delete':
      return `${call} → deleted ${observed.deleted}`;
    case 'cas':
      return `${call} → ${observed.succeeded ? 'succeeded' : 'failed'}`;
    default:
      return assertNever(observed);
  }
}

function describeInput(input: KvInput): string {
  const key = JSON.stringify(input.key);
  switch (input.type) {
    case 'put':
      return `put ${key} ${JSON.stringify(input.value)}`;
    case 'get':
      return `get ${key}`;
    case 'delete':
      return `delete ${key}`;
    case 'cas': {
      const expected = input.expected === null ? 'absent' : JSON.stringify(input.expected);
      return `cas ${key} ${expected} → ${JSON.stringify(input.value)}`;
    }
    default:
      return assertNever(input);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected operation ${JSON.stringify(value)}`);
}
