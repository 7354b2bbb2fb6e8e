// What an item holds as a program or a schema sees it — json and yaml items parsed, text items their
// string — and when two item sets are the same. Both the members (schema checks, publish) and the
// clients (delivery, exec, template) read items this one way; each wraps a parse failure in its own error.
import { parse as parseYaml } from 'yaml';
import type { ConfigItem, ConfigItems } from './layout.js';

/** A json or yaml item whose value does not parse. */
export class ItemParseError extends Error {
  override readonly name = 'ItemParseError';
}

export function parseItem(name: string, item: ConfigItem): unknown {
  switch (item.format) {
    case 'text':
      return item.value;
    case 'json':
      try {
        return JSON.parse(item.value) as unknown;
      } catch (e) {
        throw new ItemParseError(`item ${name} is not JSON: ${(e as Error).message}`, { cause: e });
      }
    case 'yaml':
      try {
        return parseYaml(item.value) as unknown;
      } catch (e) {
        throw new ItemParseError(`item ${name} is not YAML: ${(e as Error).message.split('\n')[0]!.replace(/:$/, '')}`, { cause: e });
      }
  }
}

/** Whether two item sets are the same, item by item (format and value). */
export function sameItems(a: ConfigItems, b: ConfigItems): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => b[n] !== undefined && b[n].value === a[n]!.value && b[n].format === a[n]!.format);
}
