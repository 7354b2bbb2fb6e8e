// etcdctl snapshot status: the hash of every bucket's name, keys and values (CRC-32C), the latest
// revision in the `key` bucket, how many keys all buckets hold, and the database's size; printed as
// a table, JSON or one simple line, as etcdctl prints them.
import { BoltReader } from '../store/bbolt/reader.js';
import { crc32c } from '../store/mvcc/crc32c.js';
import { BUCKETS, parseRevisionKey } from '../store/etcd-backend/layout.js';

export interface SnapshotStatus {
  readonly hash: number;
  readonly revision: number;
  readonly totalKey: number;
  readonly totalSize: number;
}

export function snapshotStatus(file: Uint8Array): SnapshotStatus {
  const reader = BoltReader.open(file);
  const problems = reader.checkPages();
  if (problems.length > 0) throw new Error(`snapshot file integrity check failed. ${problems.length} errors found.\n${problems.join('\n')}`);
  let hash = 0;
  let revision = 0;
  let totalKey = 0;
  for (const b of reader.buckets()) {
    hash = crc32c(hash, b.name);
    const isKey = Buffer.from(b.name).toString() === BUCKETS.key;
    for (const e of b.entries) {
      hash = crc32c(hash, e.key);
      // A nested bucket's entry has no value, as bbolt's ForEach hands it over.
      if (!e.isBucket) hash = crc32c(hash, e.value);
      if (isKey) revision = parseRevisionKey(e.key).main;
      totalKey++;
    }
  }
  return { hash, revision, totalKey, totalSize: reader.size };
}

export type StatusFormat = 'simple' | 'table' | 'json';

export function formatStatus(s: SnapshotStatus, format: StatusFormat): string {
  const cells = [s.hash.toString(16), String(s.revision), String(s.totalKey), humanBytes(s.totalSize)];
  switch (format) {
    case 'json':
      return JSON.stringify({ hash: s.hash, revision: s.revision, totalKey: s.totalKey, totalSize: s.totalSize });
    case 'simple':
      return cells.join(', ');
    case 'table':
      return table(['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'], cells);
  }
}

/** etcdctl's tables: headers centred (an odd space goes right), cells right-aligned, one space of padding. */
function table(headers: readonly string[], row: readonly string[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, row[i]!.length));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (t: string, w: number): string => {
    const left = Math.floor((w - t.length) / 2);
    return ' '.repeat(left) + t + ' '.repeat(w - t.length - left);
  };
  const head = `|${headers.map((h, i) => ` ${centre(h, widths[i]!)} `).join('|')}|`;
  const body = `|${row.map((c, i) => ` ${c.padStart(widths[i]!)} `).join('|')}|`;
  return [rule, head, rule, body, rule].join('\n');
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** go-humanize's Bytes: SI units, one decimal under 10, Go's rounding (half to even). */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${UNITS[e]}` : `${roundHalfEven(val)} ${UNITS[e]}`;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff !== 0.5) return Math.round(v);
  return floor % 2 === 0 ? floor : floor + 1;
}
