// A request message from JSON as etcd's gateway reads it (grpc-gateway's JSONPb, Go's jsonpb):
// fields by their .proto name or its lowerCamelCase form, unknown fields ignored, null as absent,
// 64-bit and other numbers as numbers or as strings holding one, enums by name or number, bytes as
// base64. The result is what protobufjs encodes; the errors carry the text etcd answers with.
import protobuf from 'protobufjs';
import { Base64Error, decodeBase64 } from './gateway-base64.js';
import { goQuoteInner, JsonSyntaxError, parseDocument, type JsonValue } from './gateway-json-syntax.js';

/** What protobufjs's encode takes for a message: field name to value. */
export type EncodableMessage = { [field: string]: EncodableValue };
/** 64-bit integers as decimal strings: protobufjs encodes their bits exactly. */
export type EncodableValue = string | boolean | number | Buffer | EncodableMessage | readonly EncodableValue[];

export class JsonDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonDecodeError';
  }
}

/** The JSON name protoc gives a field: underscores dropped, the letter after each capitalised. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase());
}

/** What Go calls a JSON value's kind in "cannot unmarshal <kind> into …". */
function kindOf(v: JsonValue): string {
  switch (v.kind) {
    case 'object': return 'object';
    case 'array': return 'array';
    case 'string': return 'string';
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'null': return 'null';
  }
}

function cannot(what: string, goType: string): JsonDecodeError {
  return new JsonDecodeError(`json: cannot unmarshal ${what} into Go value of type ${goType}`);
}

/** The Go type etcd's generated code has for an enum: "etcdserverpb.RangeRequest_SortOrder". */
export function goEnumName(e: protobuf.Enum): string {
  const names = [e.name];
  let parent = e.parent;
  while (parent instanceof protobuf.Type) {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  const pkg = parent?.fullName.replace(/^\./, '') ?? '';
  return pkg === '' ? names.join('_') : `${pkg}.${names.join('_')}`;
}

export function decodeMessage(type: protobuf.Type, v: JsonValue): EncodableMessage {
  if (v.kind === 'null') return {};
  if (v.kind !== 'object') throw cannot(kindOf(v), 'map[string]json.RawMessage');
  const fields = new Map(v.fields);
  const out: EncodableMessage = {};
  const take = (field: protobuf.Field): JsonValue | undefined => {
    // Both names are accepted; given both, jsonpb keeps the camelCase one.
    const orig = fields.get(field.name);
    const camelName = jsonName(field.name);
    const camel = fields.get(camelName);
    fields.delete(field.name);
    fields.delete(camelName);
    return camel ?? orig;
  };
  // Plain fields in declaration order first, then oneof members, as jsonpb walks them.
  const ordered = [...type.fieldsArray.filter((f) => f.partOf === null), ...type.fieldsArray.filter((f) => f.partOf !== null)];
  for (const field of ordered) {
    const raw = take(field);
    if (raw === undefined || raw.kind === 'null') continue;
    const value = field.repeated ? decodeRepeated(field, raw) : decodeSingle(field, raw);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

function decodeRepeated(field: protobuf.Field, v: JsonValue): EncodableValue[] {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum && v.kind === 'string') {
    // jsonpb takes a quoted name for an enum before it sees the field is a list, then refuses it.
    decodeEnum(resolved, v);
    throw new JsonDecodeError(`invalid target "slice" for enum ${goEnumName(resolved)}`);
  }
  if (v.kind !== 'array') throw cannot(kindOf(v), '[]json.RawMessage');
  const out: EncodableValue[] = [];
  for (const item of v.items) {
    const value = decodeSingle(field, item);
    out.push(value ?? zeroOf(field));
  }
  return out;
}

function zeroOf(field: protobuf.Field): EncodableValue {
  if (field.resolvedType instanceof protobuf.Type) return {};
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  switch (field.type) {
    case 'string': return '';
    case 'bytes': return Buffer.alloc(0);
    case 'bool': return false;
    default: return 0;
  }
}

function decodeSingle(field: protobuf.Field, v: JsonValue): EncodableValue | undefined {
  if (v.kind === 'null') return undefined;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return decodeMessage(resolved, v);
  if (resolved instanceof protobuf.Enum) return decodeEnum(resolved, v);
  switch (field.type) {
    case 'string':
      if (v.kind !== 'string') throw cannot(kindOf(v), 'string');
      return v.value;
    case 'bytes':
      if (v.kind !== 'string') throw cannot(kindOf(v), '[]uint8');
      try {
        return decodeBase64(Buffer.from(v.value, 'utf8'));
      } catch (e) {
        if (e instanceof Base64Error) throw new JsonDecodeError(e.message);
        throw e;
      }
    case 'bool':
      if (v.kind !== 'bool') throw cannot(kindOf(v), 'bool');
      return v.value;
    default:
      return decodeNumber(field.type, v);
  }
}

function decodeEnum(e: protobuf.Enum, v: JsonValue): number {
  if (v.kind === 'string') {
    // jsonpb looks the raw text between the quotes up among the names, unescaped.
    const name = v.raw.toString('latin1');
    // (protobufjs keeps the reverse mapping, number to name, in the same object.)
    const n: unknown = e.values[name];
    if (typeof n !== 'number') throw new JsonDecodeError(`unknown value "${goQuoteInner(v.raw.toString('utf8'))}" for enum ${goEnumName(e)}`);
    return n;
  }
  if (v.kind !== 'number') throw cannot(kindOf(v), goEnumName(e));
  const n = parseInteger(v.text, -(2n ** 31n), 2n ** 31n - 1n);
  if (n === undefined) throw cannot(`number ${v.text}`, goEnumName(e));
  return Number(n);
}

interface IntegerKind {
  readonly goType: string;
  readonly min: bigint;
  readonly max: bigint;
  readonly long: boolean;
}

const INTEGERS: Readonly<Record<string, IntegerKind>> = {
  int64: { goType: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true },
  sint64: { goType: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true },
  sfixed64: { goType: 'int64', min: -(2n ** 63n), max: 2n ** 63n - 1n, long: true },
  uint64: { goType: 'uint64', min: 0n, max: 2n ** 64n - 1n, long: true },
  fixed64: { goType: 'uint64', min: 0n, max: 2n ** 64n - 1n, long: true },
  int32: { goType: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false },
  sint32: { goType: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false },
  sfixed32: { goType: 'int32', min: -(2n ** 31n), max: 2n ** 31n - 1n, long: false },
  uint32: { goType: 'uint32', min: 0n, max: 2n ** 32n - 1n, long: false },
  fixed32: { goType: 'uint32', min: 0n, max: 2n ** 32n - 1n, long: false },
};

/** An integer literal (Go's strconv.ParseInt: no fraction, no exponent) within [min, max]. */
function parseInteger(text: string, min: bigint, max: bigint): bigint | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < min || n > max ? undefined : n;
}

function decodeNumber(type: string, v: JsonValue): EncodableValue {
  // A number may come in quotes: jsonpb drops them and reads what was inside as a JSON document.
  let value = v;
  if (v.kind === 'string') {
    try {
      value = parseDocument(v.raw);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw new JsonDecodeError(e.message);
      throw e;
    }
  }
  const integer = INTEGERS[type];
  if (integer !== undefined) {
    if (value.kind === 'null') return 0;
    if (value.kind !== 'number') throw cannot(kindOf(value), integer.goType);
    const n = parseInteger(value.text, integer.min, integer.max);
    if (n === undefined) throw cannot(`number ${value.text}`, integer.goType);
    return integer.long ? n.toString() : Number(n);
  }
  const goType = type === 'float' ? 'float32' : 'float64';
  if (value.kind === 'null') return 0;
  if (value.kind !== 'number') throw cannot(kindOf(value), goType);
  const f = Number(value.text);
  if (!Number.isFinite(f) || (type === 'float' && Math.abs(f) > 3.4028234663852886e38)) throw cannot(`number ${value.text}`, goType);
  return f;
}
