// A response message as etcd's gateway writes it (grpc-gateway's JSONPb with OrigName, Go's jsonpb):
// fields under their .proto names in declaration order, zero values and empty lists left out (a
// oneof member that is set is written even when zero), 64-bit integers as strings, enums by name,
// bytes as base64, strings escaped as Go's encoding/json escapes them.
import protobuf from 'protobufjs';

/** A message as protobufjs decodes it: a field is an own property only when it was on the wire. */
export type DecodedMessage = protobuf.Message & Readonly<Record<string, unknown>>;

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

export function encodeMessage(type: protobuf.Type, message: DecodedMessage): string {
  let out = '{';
  let first = true;
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const text = field.repeated ? encodeList(field, value as readonly unknown[]) : encodeSingle(field, value, field.partOf !== null);
    if (text === undefined) continue;
    out += `${first ? '' : ','}"${field.name}":${text}`;
    first = false;
  }
  return `${out}}`;
}

function encodeList(field: protobuf.Field, values: readonly unknown[]): string | undefined {
  if (values.length === 0) return undefined;
  return `[${values.map((v) => encodeSingle(field, v, true) ?? 'null').join(',')}]`;
}

/** `evenIfZero`: a list element or a oneof member, which jsonpb writes whatever its value. */
function encodeSingle(field: protobuf.Field, value: unknown, evenIfZero: boolean): string | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return encodeMessage(resolved, value as DecodedMessage);
  if (resolved instanceof protobuf.Enum) {
    const n = Number(value);
    if (n === 0 && !evenIfZero) return undefined;
    const name = resolved.valuesById[n];
    return name === undefined ? String(n) : `"${name}"`;
  }
  if (LONG_TYPES.has(field.type)) {
    const text = String(value);
    return text === '0' && !evenIfZero ? undefined : `"${text}"`;
  }
  switch (field.type) {
    case 'string': {
      const s = value as string;
      return s === '' && !evenIfZero ? undefined : goJsonString(s);
    }
    case 'bytes': {
      const b = value as Uint8Array;
      return b.length === 0 && !evenIfZero ? undefined : `"${Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')}"`;
    }
    case 'bool':
      return value === true ? 'true' : evenIfZero ? 'false' : undefined;
    default: {
      const n = Number(value);
      return n === 0 && !evenIfZero ? undefined : String(n);
    }
  }
}

const SHORT: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A JSON string as Go's encoding/json writes one: HTML-safe, other controls as \u00XX. */
export function goJsonString(s: string): string {
  if (!/[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000) {
      out += ch + s[++i]!;
    } else if (code >= 0xd800 && code < 0xe000) out += '\ufffd';
    else out += ch;
  }
  return `${out}"`;
}
