// What a member process costs the machine: its resident memory (VmRSS) and the disk its data dir
// takes (allocated blocks, so preallocated files count as the space they hold).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

export async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await diskBytes(path);
    else if (e.isFile()) total += ((await stat(path).catch(() => undefined))?.blocks ?? 0) * 512;
  }
  return total;
}
