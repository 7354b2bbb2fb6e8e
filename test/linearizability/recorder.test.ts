import { describe, expect, it } from 'vitest';
import { kvInput } from './kv-history.js';
import type { KvInput, KvOutput } from './kv-model.js';
import { HistoryRecorder } from './recorder.js';

function recorderWithClock(): HistoryRecorder<KvInput, KvOutput> {
  let time = 0;
  return new HistoryRecorder<KvInput, KvOutput>(() => (time += 10));
}

describe('HistoryRecorder', () => {
  it('records invocation and completion times and each outcome', () => {
    const recorder = recorderWithClock();
    const put = recorder.invoke(1, kvInput.put('x', 'a'));
    const get = recorder.invoke(2, kvInput.get('x'));
    const lost = recorder.invoke(3, kvInput.put('x', 'b'));
    const rejected = recorder.invoke(4, kvInput.delete('x'));
    get.ok({ type: 'get', value: 'a' });
    put.ok({ type: 'put' });
    lost.unknown();
    rejected.fail();
    expect(recorder.history()).toEqual([
      { client: 1, input: kvInput.put('x', 'a'), call: 10, return: 60, outcome: 'ok', output: { type: 'put' } },
      { client: 2, input: kvInput.get('x'), call: 20, return: 50, outcome: 'ok', output: { type: 'get', value: 'a' } },
      { client: 3, input: kvInput.put('x', 'b'), call: 30, outcome: 'unknown' },
      { client: 4, input: kvInput.delete('x'), call: 40, return: 70, outcome: 'fail' },
    ]);
  });

  it('counts an operation still pending as unknown', () => {
    const recorder = recorderWithClock();
    recorder.invoke(1, kvInput.put('x', 'a'));
    expect(recorder.history()).toEqual([{ client: 1, input: kvInput.put('x', 'a'), call: 10, outcome: 'unknown' }]);
  });

  it('refuses to complete an operation twice', () => {
    const pending = recorderWithClock().invoke(1, kvInput.get('x'));
    pending.ok({ type: 'get', value: null });
    expect(() => pending.unknown()).toThrow(/completed twice/);
  });
});
