// etcdctl snapshot status's formats, as etcdctl 3.4 printed them for files it read.
import { describe, expect, it } from 'vitest';
import { formatStatus, humanBytes } from '../../cli/snapshot-status.js';

describe('snapshot status output', () => {
  it("sizes as go-humanize's Bytes writes them", () => {
    expect(humanBytes(9)).toBe('9 B');
    expect(humanBytes(1500)).toBe('1.5 kB');
    expect(humanBytes(32768)).toBe('33 kB');
    expect(humanBytes(745472)).toBe('746 kB');
    // 876.5 rounds to even, as etcdctl printed for this size.
    expect(humanBytes(876544)).toBe('876 kB');
    expect(humanBytes(12_365_824)).toBe('12 MB');
  });

  it('the three formats', () => {
    const s = { hash: 0xd56b01b, revision: 15, totalKey: 322, totalSize: 114688 };
    expect(formatStatus(s, 'simple')).toBe('d56b01b, 15, 322, 115 kB');
    expect(formatStatus(s, 'json')).toBe('{"hash":223784987,"revision":15,"totalKey":322,"totalSize":114688}');
    expect(formatStatus(s, 'table')).toBe(
      [
        '+---------+----------+------------+------------+',
        '|  HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |',
        '+---------+----------+------------+------------+',
        '| d56b01b |       15 |        322 |     115 kB |',
        '+---------+----------+------------+------------+',
      ].join('\n'),
    );
  });
});
