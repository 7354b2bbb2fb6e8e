// Alarms as etcd keeps them: NOSPACE when a member finds the backend past its quota, CORRUPT when
// members' hashes disagree (nothing raises that one in Lodestone yet). They are raised and cleared
// through raft, so every member applies the same changes in the same order; the list lives in the
// replicated state meta, so it survives restarts and travels in snapshots. Status's errors, the
// Alarm call and /health all read it.
import type { NodeId } from '../raft/index.js';
import type { AlarmInfo, AlarmType } from '../rpc/member-backend.js';
import { metaCodecs, metaKey, setMeta, type MetaWrite } from '../store/meta.js';

/** The active alarms, in the state meta. */
export const ALARMS = metaKey('alarms', metaCodecs.json<AlarmInfo[]>());

/** An alarm change as it travels through the log (etcd's AlarmRequest ACTIVATE / DEACTIVATE). */
export interface AlarmRequest {
  readonly type: 'alarm';
  readonly action: 'activate' | 'deactivate';
  readonly memberId: NodeId;
  readonly alarm: AlarmType;
}

/** How an alarm change came out: the list after it, and what etcd answers (the alarm, or none). */
export interface AlarmChange {
  readonly alarms: readonly AlarmInfo[];
  readonly answer: readonly AlarmInfo[];
  /** The meta write that keeps the new list, when it changed. */
  readonly write?: MetaWrite;
}

const TYPE_ORDER: readonly AlarmType[] = ['NONE', 'NOSPACE', 'CORRUPT'];

/** Applies one change as etcd's alarm store does: raising an alarm already raised answers it again, clearing one not raised answers nothing. */
export function changeAlarms(alarms: readonly AlarmInfo[], req: AlarmRequest): AlarmChange {
  const found = alarms.find((a) => a.memberId === req.memberId && a.alarm === req.alarm);
  if (req.action === 'activate') {
    if (found) return { alarms, answer: [found] };
    const raised: AlarmInfo = { memberId: req.memberId, alarm: req.alarm };
    const next = sortAlarms([...alarms, raised]);
    return { alarms: next, answer: [raised], write: setMeta(ALARMS, next) };
  }
  if (!found) return { alarms, answer: [] };
  const next = alarms.filter((a) => a !== found);
  return { alarms: next, answer: [found], write: setMeta(ALARMS, next) };
}

export function hasAlarm(alarms: readonly AlarmInfo[], type: AlarmType): boolean {
  return alarms.some((a) => a.alarm === type);
}

function sortAlarms(alarms: AlarmInfo[]): AlarmInfo[] {
  return alarms.sort((a, b) => TYPE_ORDER.indexOf(a.alarm) - TYPE_ORDER.indexOf(b.alarm) || a.memberId - b.memberId);
}

/** An alarm as etcd's Status lists it among its errors: the AlarmMember in protobuf's compact text. */
export function alarmText(a: AlarmInfo): string {
  return `memberID:${a.memberId} alarm:${a.alarm} `;
}

/** Why /health says false for an alarm, in etcd's words. */
export function alarmReason(a: AlarmInfo): string {
  return `ALARM ${a.alarm}`;
}
