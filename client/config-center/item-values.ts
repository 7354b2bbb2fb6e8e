// An item's value as a program uses it: json and yaml items parsed, text items as their string.
// The members check json and yaml items before publishing, so a parse failure here means the keys
// were written by hand around the config center.
import { parseItem } from '../../configcenter/item-values.js';
import type { ConfigItem, ConfigItems } from '../../configcenter/layout.js';
import { ClientError } from '../errors.js';

export { sameItems } from '../../configcenter/item-values.js';

export function itemValue(name: string, item: ConfigItem): unknown {
  try {
    return parseItem(name, item);
  } catch (e) {
    throw new ClientError('LODESTONE_INVALID_VALUE', e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/** `{ item: value }` for every item of a release. */
export function itemValues(items: ConfigItems): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(items)) out[name] = itemValue(name, item);
  return out;
}
