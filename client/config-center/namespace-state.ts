// Which release an instance runs, from a namespace's records, decided by releaseFor(): the gray
// release when its selector matches the instance, the current one otherwise, with its items.
import type { ConfigItems } from '../../configcenter/layout.js';
import { releaseFor } from '../../configcenter/gray-selection.js';
import type { NamespaceRecords } from './namespace-follower.js';

export interface MeantRelease {
  readonly release: number;
  readonly items: ConfigItems;
}

/** The release meant for the instance and its items; undefined while its release record is missing. */
export function meantRelease(records: NamespaceRecords, instance: string, labels: Readonly<Record<string, string>>): MeantRelease | undefined {
  const release = releaseFor(records.current, records.gray, instance, labels);
  if (release === 0) return { release: 0, items: {} };
  const rec = records.releases.get(release);
  return rec ? { release, items: rec.items } : undefined;
}
