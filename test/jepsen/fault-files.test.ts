// What the fault files say for each member, what the nemesis names parse to, and how errors are
// classified for the history — without starting any member.
import { readFile } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FaultFiles } from './fault-files.js';
import { classifyError } from './kv-client.js';
import { FAULT_KINDS, parseFaultKinds } from './nemesis.js';

describe('fault files', () => {
  it('write each cut link on both ends, a delay on its member, and {} when healed', async () => {
    const files = await FaultFiles.create(3);
    try {
      files.setMemberIds(['a1', 'b2', 'c3']);
      const read = async (i: number): Promise<unknown> => JSON.parse(await readFile(files.file(i), 'utf8'));
      expect(await read(0)).toEqual({ dropTo: [], dropFrom: [], fsyncDelayMs: 0 });

      files.cutBetween([0], [1, 2]);
      files.cutLink(1, 2);
      files.setFsyncDelay(2, 50);
      await files.flush();
      expect(await read(0)).toEqual({ dropTo: ['b2', 'c3'], dropFrom: ['b2', 'c3'], fsyncDelayMs: 0 });
      expect(await read(1)).toEqual({ dropTo: ['a1', 'c3'], dropFrom: ['a1'], fsyncDelayMs: 0 });
      expect(await read(2)).toEqual({ dropTo: ['a1'], dropFrom: ['a1', 'b2'], fsyncDelayMs: 50 });
      expect(files.env(2)).toEqual({ LODESTONE_FAULT_FILE: files.file(2) });

      files.clearLinks();
      await files.flush();
      expect(await read(2)).toEqual({ dropTo: [], dropFrom: [], fsyncDelayMs: 50 });
      files.clear();
      await files.flush();
      expect(files.active).toBe(false);
      expect(await read(2)).toEqual({ dropTo: [], dropFrom: [], fsyncDelayMs: 0 });
    } finally {
      await files.destroy();
    }
  });
});

describe('nemesis names', () => {
  it('expand groups and reject unknown names', () => {
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('kill,partition-leader,kill-leader')).toEqual(['kill-random', 'kill-leader', 'partition-leader']);
    expect(parseFaultKinds('none')).toEqual([]);
    expect(() => parseFaultKinds('kill,flood')).toThrow(/unknown nemesis "flood"/);
  });
});

describe('an error on a write', () => {
  const err = (code: status, details: string): Error => Object.assign(new Error(details), { code, details, metadata: undefined });
  it('is a failure only when etcd or the client knows the request was never proposed', () => {
    expect(classifyError(err(status.INVALID_ARGUMENT, 'etcdserver: key is not provided'))).toBe('fail');
    expect(classifyError(err(status.UNAVAILABLE, 'etcdserver: no leader'))).toBe('fail');
    expect(classifyError(err(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED'))).toBe('fail');
  });
  it('is of unknown outcome otherwise', () => {
    expect(classifyError(err(status.DEADLINE_EXCEEDED, 'Deadline exceeded'))).toBe('unknown');
    expect(classifyError(err(status.UNAVAILABLE, 'Connection dropped'))).toBe('unknown');
    expect(classifyError(err(status.UNAVAILABLE, 'etcdserver: request timed out'))).toBe('unknown');
    expect(classifyError(err(status.UNAVAILABLE, 'etcdserver: leader changed'))).toBe('unknown');
    expect(classifyError(err(status.UNAVAILABLE, 'etcdserver: server stopped'))).toBe('unknown');
    expect(classifyError(new Error('something else'))).toBe('unknown');
  });
});
