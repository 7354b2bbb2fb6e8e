// An item's value as a program uses it: json and yaml items parsed, text items as their string.
// The members check json and yaml items before publishing, so a parse failure here means the keys
// were written by hand around the config center.
import { parse as parseYaml } from 'yaml';
import type { ConfigItem, ConfigItems } from '../../configcenter/layout.js';
import { ConfigClientError } from './errors.js';

export function itemValue(name: string, item: ConfigItem): unknown {
  try {
    if (item.format === 'json') return JSON.parse(item.value) as unknown;
    if (item.format === 'yaml') return parseYaml(item.value) as unknown;
    return item.value;
  } catch (e) {
    throw new ConfigClientError('CONFIG_INVALID_VALUE', `item ${name} (${item.format}) does not parse: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** `{ item: value }` for every item of a release. */
export function itemValues(items: ConfigItems): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(items)) out[name] = itemValue(name, item);
  return out;
}

/** Whether two item sets are the same, item by item (format and value). */
export function sameItems(a: ConfigItems, b: ConfigItems): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => b[n] !== undefined && b[n].value === a[n]!.value && b[n].format === a[n]!.format);
}
