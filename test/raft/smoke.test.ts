import { describe, expect, it } from 'vitest';
import { bytes, TestNetwork, text } from './network.js';

describe('a three-member cluster', () => {
  it('elects a leader and replicates a proposal to every member', () => {
    const net = new TestNetwork([1, 2, 3]);
    net.elect(1);
    expect(net.leader()).toBe(1);
    net.member(1).node.propose(bytes('hello'));
    net.stabilize();
    for (const id of [1, 2, 3]) {
      const applied = net.member(id).applied.filter((e) => e.type === 'normal' && e.data.length > 0).map(text);
      expect(applied).toEqual(['hello']);
    }
  });
});
