// Reading Consul's JSON request bodies as its agent does: field names match whatever their case
// and with or without underscores ("CheckID", "checkid", "check_id" — python-consul sends lower
// case, HCL-minded clients snake case), and a value of the wrong type fails the decode with the
// field's name.
import { parseDuration } from '../../cluster/go-duration.js';
import { JsonSyntaxError, parseDocument } from '../../rpc/gateway-json-syntax.js';
import { badRequest } from './consul-error.js';

export type JsonObject = Readonly<Record<string, unknown>>;

const fold = (name: string): string => name.replace(/_/g, '').toLowerCase();

/** Consul's "Request decode failed: …" 400. */
export const decodeFailed = (why: string): Error => badRequest(`Request decode failed: ${why}`);

function goType(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64';
  return typeof v;
}

const mismatch = (field: string, want: string, got: unknown): Error => decodeFailed(`'${field}' expected type '${want}', got unconvertible type '${goType(got)}'`);

/** The JSON body as an object, or Consul's decode failure. */
export function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw decodeFailed(goSyntaxError(text));
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw decodeFailed(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : typeof v} into Go value of type map[string]interface {}`);
  return v as JsonObject;
}

/** How Go's json.Decoder, which Consul reads bodies with, words what is wrong with the text. */
function goSyntaxError(text: string): string {
  try {
    parseDocument(Buffer.from(text, 'utf8'));
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.truncated || e.message === 'unexpected end of JSON input' ? 'unexpected EOF' : e.message;
  }
  return 'invalid JSON';
}

/** A field's value by Consul's name, whatever case or underscores the client used. */
export function field(o: JsonObject, name: string): unknown {
  const want = fold(name);
  for (const [k, v] of Object.entries(o)) if (fold(k) === want) return v;
  return undefined;
}

export function stringField(o: JsonObject, name: string): string | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(name, 'string', v);
  return v;
}

export function intField(o: JsonObject, name: string): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(name, 'int', v);
  return v;
}

export function objectField(o: JsonObject, name: string): JsonObject | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw mismatch(name, 'struct', v);
  return v as JsonObject;
}

export function listField(o: JsonObject, name: string): readonly unknown[] | undefined {
  const v = field(o, name);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw mismatch(name, 'slice', v);
  return v;
}

export function stringListField(o: JsonObject, name: string): string[] | undefined {
  const list = listField(o, name);
  if (list === undefined) return undefined;
  return list.map((t) => {
    if (typeof t !== 'string') throw mismatch(name, '[]string', t);
    return t;
  });
}

export function stringMapField(o: JsonObject, name: string): Record<string, string> | undefined {
  const m = objectField(o, name);
  if (m === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw mismatch(name, 'map[string]string', m);
    out[k] = v;
  }
  return out;
}

/**
 * A duration as Consul's decoder takes it: Go's text ("10s", "1m30s", "500ms") or a number of
 * nanoseconds. In milliseconds; undefined when absent.
 */
export function durationField(o: JsonObject, name: string): number | undefined {
  const v = field(o, name);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v / 1e6;
  if (typeof v !== 'string') throw mismatch(name, 'time.Duration', v);
  const ms = parseDuration(v);
  if (ms === undefined) throw decodeFailed(`time: invalid duration ${JSON.stringify(v)}`);
  return ms;
}
