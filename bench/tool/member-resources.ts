// What a member process costs the machine: its resident memory (VmRSS), its CPU time, and the disk its data dir
// takes (allocated blocks, so preallocated files count as the space they hold).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** CPU seconds (user + system) the process has used so far; NaN when it is gone. */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces), from the state field on: utime and stime are 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : NaN;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100;

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
