// The leader's checkpoint clears on their own: clears asked for together share one proposal, the
// ones asked for while it is out go in the next, and each waiter hears its proposal's outcome.
import { describe, expect, it } from 'vitest';
import { CheckpointClears, type CheckpointClear } from '../../cluster/checkpoint-clears.js';

interface Proposal {
  readonly ids: readonly bigint[];
  applied(): void;
  failed(error: Error): void;
}

function recordingProposer(): { proposals: Proposal[]; propose: (clears: readonly CheckpointClear[]) => Promise<void> } {
  const proposals: Proposal[] = [];
  return {
    proposals,
    propose: (clears) =>
      new Promise<void>((resolve, reject) => {
        proposals.push({ ids: clears.map((c) => c.id), applied: resolve, failed: reject });
      }),
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('CheckpointClears', () => {
  it('proposes the clears asked for together in one proposal, and those asked for meanwhile in the next', async () => {
    const { proposals, propose } = recordingProposer();
    const clears = new CheckpointClears(propose, 100);
    const done: bigint[] = [];
    for (const id of [1n, 2n, 3n, 2n]) void clears.clear(id).then(() => done.push(id));
    await settle();
    expect(proposals.map((p) => p.ids)).toEqual([[1n, 2n, 3n]]);
    void clears.clear(4n).then(() => done.push(4n));
    void clears.clear(5n).then(() => done.push(5n));
    await settle();
    expect(proposals).toHaveLength(1);
    proposals[0]!.applied();
    await settle();
    await settle();
    expect(done.sort()).toEqual([1n, 2n, 2n, 3n]);
    expect(proposals.map((p) => p.ids)).toEqual([[1n, 2n, 3n], [4n, 5n]]);
    proposals[1]!.applied();
    await settle();
    expect(done).toContain(5n);
  });

  it('keeps a proposal to its size and tells each waiter of a failed proposal', async () => {
    const { proposals, propose } = recordingProposer();
    const clears = new CheckpointClears(propose, 2);
    const outcomes = [1n, 2n, 3n].map((id) => clears.clear(id).then(() => 'applied', (e: Error) => e.message));
    await settle();
    expect(proposals.map((p) => p.ids)).toEqual([[1n, 2n]]);
    proposals[0]!.failed(new Error('not leader'));
    await settle();
    await settle();
    expect(proposals.map((p) => p.ids)).toEqual([[1n, 2n], [3n]]);
    proposals[1]!.applied();
    expect(await Promise.all(outcomes)).toEqual(['not leader', 'not leader', 'applied']);
  });
});
