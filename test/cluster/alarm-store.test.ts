// The alarm list as etcd's alarm store changes it, and etcd's quota costs and capped writes.
import { describe, expect, it } from 'vitest';
import { ALARMS, changeAlarms, hasAlarm } from '../../cluster/alarms.js';
import { effectiveQuota, fitsQuota, quotaCost, refusedWhileNoSpace, DEFAULT_QUOTA_BYTES } from '../../cluster/quota.js';
import { setMeta } from '../../store/meta.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('changeAlarms', () => {
  it('raises an alarm once, answering it again when raised twice, and keeps the list ordered', () => {
    const first = changeAlarms([], { type: 'alarm', action: 'activate', memberId: 9, alarm: 'NOSPACE' });
    expect(first.answer).toEqual([{ memberId: 9, alarm: 'NOSPACE' }]);
    expect(first.write).toEqual(setMeta(ALARMS, [{ memberId: 9, alarm: 'NOSPACE' }]));
    const again = changeAlarms(first.alarms, { type: 'alarm', action: 'activate', memberId: 9, alarm: 'NOSPACE' });
    expect(again.answer).toEqual([{ memberId: 9, alarm: 'NOSPACE' }]);
    expect(again.write).toBeUndefined();
    const other = changeAlarms(again.alarms, { type: 'alarm', action: 'activate', memberId: 3, alarm: 'NOSPACE' });
    expect(other.alarms).toEqual([
      { memberId: 3, alarm: 'NOSPACE' },
      { memberId: 9, alarm: 'NOSPACE' },
    ]);
  });

  it('clears only the member and type named: member 0 or another type matches nothing', () => {
    const raised = [{ memberId: 9, alarm: 'NOSPACE' as const }];
    expect(changeAlarms(raised, { type: 'alarm', action: 'deactivate', memberId: 0, alarm: 'NOSPACE' }).answer).toEqual([]);
    expect(changeAlarms(raised, { type: 'alarm', action: 'deactivate', memberId: 9, alarm: 'CORRUPT' }).answer).toEqual([]);
    const cleared = changeAlarms(raised, { type: 'alarm', action: 'deactivate', memberId: 9, alarm: 'NOSPACE' });
    expect(cleared.answer).toEqual(raised);
    expect(cleared.alarms).toEqual([]);
    expect(hasAlarm(cleared.alarms, 'NOSPACE')).toBe(false);
    expect(hasAlarm(raised, 'NOSPACE')).toBe(true);
  });
});

describe('the quota', () => {
  it("charges etcd's costs: key, value and 256 bytes a put, the costlier txn branch, 64 a lease", () => {
    expect(quotaCost({ type: 'put', request: { key: bytes('k'), value: bytes('vvv') } })).toBe(260);
    const put = { type: 'put' as const, request: { key: bytes('k'), value: bytes('v') } };
    const nested = { type: 'txn' as const, request: { success: [put] } };
    expect(quotaCost({ type: 'txn', request: { success: [put], failure: [put, put] } })).toBe(2 * 258);
    // As etcd, puts inside a nested txn are not charged.
    expect(quotaCost({ type: 'txn', request: { success: [nested] } })).toBe(0);
    expect(quotaCost({ type: 'leaseGrant', request: { id: 1n, ttl: 10 } })).toBe(64);
    expect(quotaCost({ type: 'deleteRange', request: { key: bytes('k') } })).toBeUndefined();
  });

  it('fits strictly below the quota; 0 means 2 GiB and a negative quota none', () => {
    expect(fitsQuota(100, 27, 128)).toBe(true);
    expect(fitsQuota(100, 28, 128)).toBe(false);
    expect(effectiveQuota(0)).toBe(DEFAULT_QUOTA_BYTES);
    expect(effectiveQuota(-1)).toBe(Infinity);
    expect(effectiveQuota(4096)).toBe(4096);
  });

  it('while NOSPACE is raised refuses puts, lease grants and txns with puts, and nothing else', () => {
    const put = { type: 'put' as const, request: { key: bytes('k') } };
    expect(refusedWhileNoSpace(put)).toBe(true);
    expect(refusedWhileNoSpace({ type: 'leaseGrant', request: { id: 1n, ttl: 10 } })).toBe(true);
    expect(refusedWhileNoSpace({ type: 'txn', request: { failure: [put] } })).toBe(true);
    expect(refusedWhileNoSpace({ type: 'txn', request: { success: [{ type: 'range', request: { key: bytes('k') } }] } })).toBe(false);
    expect(refusedWhileNoSpace({ type: 'deleteRange', request: { key: bytes('k') } })).toBe(false);
    expect(refusedWhileNoSpace({ type: 'compaction', request: { revision: 3 } })).toBe(false);
    expect(refusedWhileNoSpace({ type: 'leaseRevoke', request: { id: 1n } })).toBe(false);
  });
});
