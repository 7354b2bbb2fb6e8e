// Who runs what: every instance's applied record beside the release it should run (gray-selection's
// releaseFor, the same function the clients decide with), and counts per release.
import type { AppliedRecord, CurrentRecord, GrayRecord } from './layout.js';
import { releaseFor } from './gray-selection.js';

export interface InstanceStatus extends AppliedRecord {
  /** The release meant for the instance now. */
  readonly expected: number;
  /** It applied the release meant for it. */
  readonly upToDate: boolean;
}

export interface NamespaceStatus {
  readonly current: CurrentRecord | null;
  readonly gray: GrayRecord | null;
  readonly instances: readonly InstanceStatus[];
  readonly byRelease: Readonly<Record<string, { readonly applied: number; readonly rejected: number }>>;
}

export function namespaceStatus(current: CurrentRecord | undefined, gray: GrayRecord | undefined, applied: readonly AppliedRecord[]): NamespaceStatus {
  const byRelease: Record<string, { applied: number; rejected: number }> = {};
  const instances = [...applied]
    .sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0))
    .map((record): InstanceStatus => {
      const expected = releaseFor(current, gray, record.instance, record.labels);
      const counts = (byRelease[String(record.release)] ??= { applied: 0, rejected: 0 });
      counts[record.state]++;
      return { ...record, expected, upToDate: record.state === 'applied' && record.release === expected };
    });
  return { current: current ?? null, gray: gray ?? null, instances, byRelease };
}
