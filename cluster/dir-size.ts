// The bytes a directory's files take: what Status reports as the database size.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const s = await stat(join(dir, name));
      if (s.isFile()) total += s.size;
    } catch {
      // A file LevelDB removed meanwhile (a compaction): it no longer counts.
    }
  }
  return total;
}
