// Which release an instance runs, from a copy of the namespace's keys (names relative to the
// namespace's prefix: `current`, `gray`, `releases/<n>`), decided by releaseFor(). A key that does
// not hold the record it should counts as absent.
import type { ConfigItems, CurrentRecord, GrayRecord, ReleaseRecord } from '../../configcenter/layout.js';
import { releaseFor } from '../../configcenter/gray-selection.js';
import type { KeyValue } from '../key-value.js';

export interface MeantRelease {
  readonly release: number;
  readonly items: ConfigItems;
}

function record<T>(kv: KeyValue | undefined, valid: (v: unknown) => boolean): T | undefined {
  if (!kv) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(kv.value));
    return valid(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

const hasRelease = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as { release?: unknown }).release === 'number';

/**
 * The release meant for the instance and its items; undefined while its release record is not in
 * the copy yet (the keys of one transaction may arrive one by one).
 */
export function meantRelease(entries: ReadonlyMap<string, KeyValue>, instance: string, labels: Readonly<Record<string, string>>): MeantRelease | undefined {
  const current = record<CurrentRecord>(entries.get('current'), hasRelease);
  const gray = record<GrayRecord>(entries.get('gray'), (v) => hasRelease(v) && typeof (v as { selector?: unknown }).selector === 'object');
  const release = releaseFor(current, gray, instance, labels);
  if (release === 0) return { release: 0, items: {} };
  const rec = record<ReleaseRecord>(entries.get(`releases/${String(release).padStart(10, '0')}`), (v) => hasRelease(v) && typeof (v as { items?: unknown }).items === 'object');
  return rec ? { release, items: rec.items } : undefined;
}
