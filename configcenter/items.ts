// An item's value checked against its format (json and yaml must parse), and the value a schema sees
// of it: json and yaml items their parsed value, text items their string.
import { parse as parseYaml } from 'yaml';
import { badRequest } from './errors.js';
import { ITEM_FORMATS, checkItemName, type ConfigItem, type ConfigItems, type ItemFormat } from './layout.js';
import { ConfigLayoutError } from './layout.js';

export function checkFormat(format: unknown): ItemFormat {
  if (!ITEM_FORMATS.includes(format as ItemFormat)) throw badRequest(`an item's format is one of ${ITEM_FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  return format as ItemFormat;
}

/** The item's value as a schema sees it; CONFIG_BAD_REQUEST when a json or yaml value does not parse. */
export function itemValue(name: string, item: ConfigItem): unknown {
  switch (item.format) {
    case 'text':
      return item.value;
    case 'json':
      try {
        return JSON.parse(item.value) as unknown;
      } catch (e) {
        throw badRequest(`item ${name} is not JSON: ${(e as Error).message}`);
      }
    case 'yaml':
      try {
        return parseYaml(item.value) as unknown;
      } catch (e) {
        throw badRequest(`item ${name} is not YAML: ${(e as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
      }
  }
}

/** A new draft item, checked: its name, its format, and that its value parses as that format. */
export function checkItem(name: string, value: unknown, format: ItemFormat): ConfigItem {
  checkName(name);
  if (typeof value !== 'string') throw badRequest(`an item's value is a string (json and yaml items hold their text), not ${value === null ? 'null' : typeof value}`);
  const item: ConfigItem = { value, format };
  itemValue(name, item);
  return item;
}

export function checkName(name: string): string {
  try {
    return checkItemName(name);
  } catch (e) {
    if (e instanceof ConfigLayoutError) throw badRequest(e.message);
    throw e;
  }
}

/** The object a schema validates: { item: value }. */
export function schemaInput(items: ConfigItems): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(items)) out[name] = itemValue(name, item);
  return out;
}

export function sameItems(a: ConfigItems, b: ConfigItems): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => b[n] !== undefined && b[n]!.value === a[n]!.value && b[n]!.format === a[n]!.format);
}

/** Items sorted by name, so equal sets serialize equally. */
export function sortedItems(items: ConfigItems): ConfigItems {
  const out: Record<string, ConfigItem> = {};
  for (const name of Object.keys(items).sort()) out[name] = items[name]!;
  return out;
}
