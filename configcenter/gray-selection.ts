// Which release an instance runs: the gray release when one is under way and the instance matches
// its selector, the current release otherwise. Every client decides for itself from the keys, and
// the members' status view decides the same way, so both must use this one function.
import type { GraySelector } from './layout.js';

/**
 * An instance's bucket, 0–99, from its id alone (FNV-1a), so a percentage gray release reaches the
 * same instances on every client and keeps them as the percentage grows.
 */
export function grayBucket(instance: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(instance)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** Whether a gray release with `selector` reaches the instance: every label must match, and its bucket be under the percentage. */
export function grayMatches(selector: GraySelector, instance: string, labels: Readonly<Record<string, string>>): boolean {
  const wanted = Object.entries(selector.labels ?? {});
  if (wanted.length === 0 && selector.percent === undefined) return false;
  if (!wanted.every(([k, v]) => labels[k] === v)) return false;
  return selector.percent === undefined || grayBucket(instance) < selector.percent;
}

/** The release the instance runs: 0 when the namespace has none yet. */
export function releaseFor(
  current: { readonly release: number } | undefined,
  gray: { readonly release: number; readonly selector: GraySelector } | undefined,
  instance: string,
  labels: Readonly<Record<string, string>>,
): number {
  if (gray && grayMatches(gray.selector, instance, labels)) return gray.release;
  return current?.release ?? 0;
}
