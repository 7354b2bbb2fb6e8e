// Runs the real dig against a DNS port and reads its answer back: the status, the header flags and
// each section's records, as dig printed them.
import { execFile } from 'node:child_process';
import { findBinary } from './binaries.js';

export interface DigRecord {
  readonly name: string;
  readonly type: string;
  /** The record data as dig prints it ("1 10 8080 0a000001.addr.lodestone."). */
  readonly data: string;
}

export interface DigResult {
  readonly status: string;
  readonly flags: readonly string[];
  readonly answer: readonly DigRecord[];
  readonly authority: readonly DigRecord[];
  readonly additional: readonly DigRecord[];
  readonly output: string;
}

/** `dig @host -p port name type [options]`: one try, no search list, no retry over TCP unless asked. */
export function dig(port: number, name: string, type: string, options: readonly string[] = [], host = '127.0.0.1'): Promise<DigResult> {
  const args = [`@${host}`, '-p', String(port), name, type, '+tries=1', '+time=5', '+nocmd', '+noall', '+comments', '+answer', '+authority', '+additional', ...options];
  return new Promise((resolve, reject) => {
    execFile(findBinary('dig') ?? 'dig', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`dig ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
        return;
      }
      resolve(parseDig(stdout));
    });
  });
}

export function parseDig(output: string): DigResult {
  let status = '';
  let flags: string[] = [];
  const sections: Record<'answer' | 'authority' | 'additional', DigRecord[]> = { answer: [], authority: [], additional: [] };
  let current: keyof typeof sections | undefined;
  for (const line of output.split('\n')) {
    const st = /status: ([A-Z]+)/.exec(line);
    if (st) status = st[1]!;
    const fl = /^;; flags: ([^;]*);/.exec(line);
    if (fl) flags = fl[1]!.trim().split(/\s+/);
    const sec = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (sec) {
      current = sec[1]!.toLowerCase() as keyof typeof sections;
      continue;
    }
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    if (!current || line.startsWith(';')) continue;
    const [recordName, , , recordType, ...data] = line.trim().split(/\s+/);
    sections[current].push({ name: recordName!, type: recordType!, data: data.join(' ') });
  }
  return { status, flags, ...sections, output };
}
