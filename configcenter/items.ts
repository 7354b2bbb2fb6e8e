// An item's value checked against its format (json and yaml must parse), and the value a schema sees
// of it: json and yaml items their parsed value, text items their string.
import { badRequest } from './errors.js';
import { ItemParseError, parseItem } from './item-values.js';
import { ITEM_FORMATS, checkItemName, type ConfigItem, type ConfigItems, type ItemFormat } from './layout.js';
import { ConfigLayoutError } from './layout.js';

export function checkFormat(format: unknown): ItemFormat {
  if (!ITEM_FORMATS.includes(format as ItemFormat)) throw badRequest(`an item's format is one of ${ITEM_FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  return format as ItemFormat;
}

/** The item's value as a schema sees it; CONFIG_BAD_REQUEST when a json or yaml value does not parse. */
export function itemValue(name: string, item: ConfigItem): unknown {
  try {
    return parseItem(name, item);
  } catch (e) {
    if (e instanceof ItemParseError) throw badRequest(e.message);
    throw e;
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


/** Items sorted by name, so equal sets serialize equally. */
export function sortedItems(items: ConfigItems): ConfigItems {
  const out: Record<string, ConfigItem> = {};
  for (const name of Object.keys(items).sort()) out[name] = items[name]!;
  return out;
}

export { sameItems } from './item-values.js';
