import type { ClientId, History, Operation, Time } from './history.js';
import type { KvInput, KvOutput } from './kv-model.js';

export type KvOperation = Operation<KvInput, KvOutput>;
export type KvHistory = History<KvInput, KvOutput>;

/** The inputs of the key-value operations, so a workload and a test spell them the same way. */
export const kvInput = {
  put: (key: string, value: string): KvInput => ({ type: 'put', key, value }),
  get: (key: string): KvInput => ({ type: 'get', key }),
  delete: (key: string): KvInput => ({ type: 'delete', key }),
  cas: (key: string, expected: string | null, value: string): KvInput => ({ type: 'cas', key, expected, value }),
};

/**
 * Builders for histories written by hand:
 * `kv.ok(1, 0, 10).get('x', 'a')` is client 1's get of "x" that ran from 0 to 10 and returned "a";
 * `kv.unknown(2, 5).put('x', 'b')` is client 2's put invoked at 5 that never answered.
 */
export const kv = {
  ok(client: ClientId, call: Time, returned: Time) {
    const op = (input: KvInput, output: KvOutput): KvOperation => ({
      client, call, return: returned, outcome: 'ok', input, output,
    });
    return {
      put: (key: string, value: string) => op(kvInput.put(key, value), { type: 'put' }),
      get: (key: string, value: string | null) => op(kvInput.get(key), { type: 'get', value }),
      delete: (key: string, deleted: number) => op(kvInput.delete(key), { type: 'delete', deleted }),
      cas: (key: string, expected: string | null, value: string, succeeded: boolean) =>
        op(kvInput.cas(key, expected, value), { type: 'cas', succeeded }),
    };
  },
  fail(client: ClientId, call: Time, returned: Time) {
    return inputs((input): KvOperation => ({ client, call, return: returned, outcome: 'fail', input }));
  },
  unknown(client: ClientId, call: Time) {
    return inputs((input): KvOperation => ({ client, call, outcome: 'unknown', input }));
  },
};

function inputs(op: (input: KvInput) => KvOperation) {
  return {
    put: (key: string, value: string) => op(kvInput.put(key, value)),
    get: (key: string) => op(kvInput.get(key)),
    delete: (key: string) => op(kvInput.delete(key)),
    cas: (key: string, expected: string | null, value: string) => op(kvInput.cas(key, expected, value)),
  };
}
