// The environment `lodestone exec` gives its program: one variable per item, named as envconsul
// names them (upper-cased, every character outside [A-Z0-9_] turned into "_", so max_connections
// becomes MAX_CONNECTIONS), after the --prefix text; a json or yaml item whose value is an object,
// an array, a number or a boolean as JSON text, a string as itself. --only keeps the items named
// (a trailing or inner "*" matches any run of characters).
import { itemValue } from '../../client/config-center/item-values.js';
import type { ConfigItem, ConfigItems } from '../../configcenter/layout.js';

export interface EnvironmentOptions {
  /** Put before every variable name, as given. */
  readonly prefix?: string;
  /** Item names or patterns with "*": only these items become variables. */
  readonly only?: readonly string[];
}

export function envName(item: string, prefix = ''): string {
  return prefix + item.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The variable's value; an item that does not parse, as written. */
export function envValue(name: string, item: ConfigItem): string {
  if (item.format === 'text') return item.value;
  let v: unknown;
  try {
    v = itemValue(name, item);
  } catch {
    return item.value;
  }
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

function matcher(patterns: readonly string[]): (item: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`));
  return (item) => res.some((r) => r.test(item));
}

/** The config's variables (not the inherited environment), by name; items in name order, so a clash always ends the same way. */
export function configEnvironment(items: ConfigItems, options: EnvironmentOptions = {}): Record<string, string> {
  const keep = options.only && options.only.length > 0 ? matcher(options.only) : () => true;
  const out: Record<string, string> = {};
  for (const name of Object.keys(items).sort()) {
    if (keep(name)) out[envName(name, options.prefix)] = envValue(name, items[name]!);
  }
  return out;
}

export function sameEnvironment(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** "k=v,k2=v2" → { k: "v", k2: "v2" }. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`a label is key=value, not ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
