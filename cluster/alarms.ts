// Alarms as etcd raises them: NOSPACE when the backend passes its quota, CORRUPT when members'
// hashes disagree. Lodestone has neither a quota nor a corruption check yet, so nothing raises one
// and the list is always empty; Status's errors, the Alarm call and /health all read it, so that an
// alarm, once something raises one, shows in all three as it does in etcd.
import type { AlarmInfo } from '../rpc/member-backend.js';

/** The alarms active in the cluster (none: see above). */
export function activeAlarms(): readonly AlarmInfo[] {
  return [];
}

/** An alarm as etcd's Status lists it among its errors: the AlarmMember in protobuf's compact text. */
export function alarmText(a: AlarmInfo): string {
  return `memberID:${a.memberId} alarm:${a.alarm} `;
}

/** Why /health says false for an alarm, in etcd's words. */
export function alarmReason(a: AlarmInfo): string {
  return `ALARM ${a.alarm}`;
}
