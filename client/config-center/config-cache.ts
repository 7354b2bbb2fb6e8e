// The local cache of the last release delivered, as Apollo's clients keep one: one JSON file per
// namespace in the cache directory, replaced atomically (written beside, then renamed) each time a
// snapshot is delivered, and read when the cluster cannot be reached at start.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConfigItems, Namespace } from '../../configcenter/layout.js';

export interface CachedRelease {
  readonly namespace: string;
  readonly release: number;
  readonly items: ConfigItems;
  /** When it was written: ISO 8601. */
  readonly saved: string;
}

export function defaultCacheDir(): string {
  return join(homedir(), '.lodestone', 'config-cache');
}

/** "<app>+<env>+<cluster>.json": names never hold "+", so each namespace has its own file. */
export function cacheFile(dir: string, ns: Namespace): string {
  return join(dir, `${ns.app}+${ns.env}+${ns.cluster}.json`);
}

let sequence = 0;

export async function writeCache(file: string, dir: string, entry: CachedRelease): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = `${file}.${process.pid}.${++sequence}.tmp`;
  await writeFile(temp, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** The cached release, or undefined when there is none (or it is not one). */
export async function readCache(file: string): Promise<CachedRelease | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<CachedRelease>;
    if (typeof v.namespace !== 'string' || typeof v.release !== 'number' || typeof v.items !== 'object' || v.items === null) return undefined;
    return { namespace: v.namespace, release: v.release, items: v.items, saved: typeof v.saved === 'string' ? v.saved : '' };
  } catch {
    return undefined;
  }
}
