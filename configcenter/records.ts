// The config center's JSON values: written as the layout's records, read leniently enough that a
// value some other etcd client wrote wrongly is reported (CONFIG_INTERNAL names the key) rather than
// taken for something it is not.
import { ConfigError } from './errors.js';
import { ITEM_FORMATS, type AppliedRecord, type ConfigItem, type ConfigItems, type CurrentRecord, type GrayEndedRecord, type GrayRecord, type ItemFormat, type ReleaseRecord, type SchemaRecord } from './layout.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export type StoredRecord = ConfigItem | ReleaseRecord | CurrentRecord | GrayRecord | GrayEndedRecord | SchemaRecord | AppliedRecord;

export function encodeRecord(record: StoredRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

function parseObject(value: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(value));
  } catch {
    throw new ConfigError('CONFIG_INTERNAL', `the stored ${what} is not JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('CONFIG_INTERNAL', `the stored ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

const isFormat = (v: unknown): v is ItemFormat => ITEM_FORMATS.includes(v as ItemFormat);

export function decodeItem(value: Uint8Array): ConfigItem {
  const o = parseObject(value, 'item');
  if (typeof o['value'] !== 'string') throw new ConfigError('CONFIG_INTERNAL', 'a stored item has no string value');
  return { value: o['value'], format: isFormat(o['format']) ? o['format'] : 'text' };
}

/** Items as a release record holds them, checked one by one. */
function decodeItems(v: unknown): ConfigItems {
  const items: Record<string, ConfigItem> = {};
  if (v === null || typeof v !== 'object') return items;
  for (const [name, item] of Object.entries(v as Record<string, unknown>)) {
    if (item === null || typeof item !== 'object') continue;
    const { value, format } = item as Record<string, unknown>;
    if (typeof value === 'string') items[name] = { value, format: isFormat(format) ? format : 'text' };
  }
  return items;
}

export function decodeRelease(value: Uint8Array): ReleaseRecord {
  const o = parseObject(value, 'release');
  if (typeof o['release'] !== 'number') throw new ConfigError('CONFIG_INTERNAL', 'a stored release has no number');
  return { ...(o as unknown as ReleaseRecord), items: decodeItems(o['items']) };
}

export function decodeCurrent(value: Uint8Array): CurrentRecord {
  const o = parseObject(value, 'current record');
  const release = typeof o['release'] === 'number' ? o['release'] : 0;
  const lastRelease = typeof o['lastRelease'] === 'number' ? o['lastRelease'] : release;
  return { release, lastRelease };
}

export function decodeGray(value: Uint8Array): GrayRecord {
  const o = parseObject(value, 'gray record');
  if (typeof o['release'] !== 'number') throw new ConfigError('CONFIG_INTERNAL', 'the stored gray record has no release');
  return o as unknown as GrayRecord;
}

export function decodeGrayEnded(value: Uint8Array): GrayEndedRecord {
  return parseObject(value, 'gray-ended record') as unknown as GrayEndedRecord;
}

export function decodeSchema(value: Uint8Array): SchemaRecord {
  const o = parseObject(value, 'schema record');
  const schema = o['schema'];
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new ConfigError('CONFIG_INTERNAL', 'the stored schema record has no schema object');
  return o as unknown as SchemaRecord;
}

/** An applied record, or undefined for one that cannot be read (any client may write there). */
export function decodeApplied(value: Uint8Array): AppliedRecord | undefined {
  try {
    const o = parseObject(value, 'applied record');
    if (typeof o['instance'] !== 'string' || typeof o['release'] !== 'number' || (o['state'] !== 'applied' && o['state'] !== 'rejected')) return undefined;
    const labels = o['labels'] !== null && typeof o['labels'] === 'object' ? (o['labels'] as Record<string, string>) : {};
    return { ...(o as unknown as AppliedRecord), labels };
  } catch {
    return undefined;
  }
}
