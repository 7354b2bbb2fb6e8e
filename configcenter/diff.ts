// Item-by-item differences between two item sets (releases, the draft), sorted by item name.
import type { ConfigItem, ConfigItems } from './layout.js';

export type ItemChange =
  | { readonly item: string; readonly change: 'added'; readonly after: ConfigItem }
  | { readonly item: string; readonly change: 'removed'; readonly before: ConfigItem }
  | { readonly item: string; readonly change: 'changed'; readonly before: ConfigItem; readonly after: ConfigItem };

export function diffItems(before: ConfigItems, after: ConfigItems): ItemChange[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: ItemChange[] = [];
  for (const item of names) {
    const a = before[item];
    const b = after[item];
    if (a && b) {
      if (a.value !== b.value || a.format !== b.format) changes.push({ item, change: 'changed', before: a, after: b });
    } else if (b) changes.push({ item, change: 'added', after: b });
    else if (a) changes.push({ item, change: 'removed', before: a });
  }
  return changes;
}
