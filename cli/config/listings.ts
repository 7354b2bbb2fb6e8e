// What `lodestone config` prints for -w table: a namespace's items, its history, the namespaces, and
// who runs which release — aligned columns under upper-case headers, as `lodestone service` prints
// them (one row per line, for grep and awk); values with line breaks shown as JSON strings.
import type { ConfigItems, NamespaceSummary, ReleaseSummary, StatusView } from '../../client/config-center/admin-types.js';
import type { GraySelector } from '../../configcenter/layout.js';
import { table } from '../service/output.js';
import { oneLine } from './diff-output.js';

export function itemsTable(items: ConfigItems): string {
  const names = Object.keys(items).sort();
  return table(
    ['ITEM', 'FORMAT', 'VALUE'],
    names.map((n) => [n, items[n]!.format, oneLine(items[n]!.value)]),
  );
}

/** "canary=true,zone=b 10%" */
export function selectorText(selector: GraySelector | undefined): string {
  if (!selector) return '';
  const labels = Object.entries(selector.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const percent = selector.percent === undefined ? '' : `${selector.percent}%`;
  return [labels, percent].filter((s) => s.length > 0).join(' ');
}

/** "publish", "rollback to 2", "promote of 5", "gray canary=true". */
export function kindText(r: Pick<ReleaseSummary, 'kind' | 'from' | 'selector'>): string {
  switch (r.kind) {
    case 'rollback':
      return `rollback to ${r.from ?? '?'}`;
    case 'promote':
      return `promote of ${r.from ?? '?'}`;
    case 'gray':
      return `gray ${selectorText(r.selector)}`.trim();
    case 'publish':
      return 'publish';
  }
}

/** Newest first; `*` marks the current release, `~` the gray release under way. */
export function historyTable(releases: readonly ReleaseSummary[], current: number, gray: number | undefined): string {
  return table(
    ['RELEASE', 'KIND', 'ITEMS', 'AUTHOR', 'TIME', 'MESSAGE'],
    releases.map((r) => [
      `${r.release}${r.release === current ? ' *' : r.release === gray ? ' ~' : ''}`,
      kindText(r),
      String(r.itemCount),
      r.author,
      r.time.replace(/\.\d+Z$/, 'Z'),
      r.message === '' ? '-' : oneLine(r.message),
    ]),
  );
}

export function namespacesTable(rows: readonly NamespaceSummary[]): string {
  return table(
    ['NAMESPACE', 'RELEASE', 'GRAY'],
    rows.map((r) => [r.namespace, r.release === 0 ? '-' : String(r.release), r.gray === null ? '-' : String(r.gray)]),
  );
}

/** A heading line, the count of instances per release, then one row per instance. */
export function statusText(namespace: string, status: StatusView): string {
  const current = status.current?.release || undefined;
  const gray = status.gray?.release;
  const graySelector = selectorText(status.gray?.selector);
  const heading =
    `${namespace}: current release ${current ?? 'none'}` + (gray !== undefined ? `, gray release ${gray}${graySelector ? ` to ${graySelector}` : ''}` : ', no gray release');
  const releases = Object.keys(status.byRelease).map(Number).sort((a, b) => b - a);
  const byRelease = table(
    ['RELEASE', 'APPLIED', 'REJECTED'],
    releases.map((n) => {
      const c = status.byRelease[String(n)]!;
      return [`${n}${n === current ? ' *' : n === gray ? ' ~' : ''}`, String(c.applied), String(c.rejected)];
    }),
  );
  if (status.instances.length === 0) return `${heading}\nno instance has recorded a release yet`;
  const instances = table(
    ['INSTANCE', 'RELEASE', 'STATE', 'EXPECTED', 'UP-TO-DATE', 'VIA', 'LABELS', 'REASON'],
    [...status.instances]
      .sort((a, b) => a.instance.localeCompare(b.instance))
      .map((i) => [
        i.instance,
        String(i.release),
        i.state,
        String(i.expected),
        i.upToDate ? 'yes' : 'no',
        i.via,
        Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-',
        i.reason === undefined ? '-' : oneLine(i.reason),
      ]),
  );
  return `${heading}\n\n${byRelease}\n\n${instances}`;
}
