// The gateway's JSON as Go writes and reads it: base64 errors at the offsets Go reports, Go's
// syntax error texts, jsonpb's names and quoted numbers, Go's string escaping, and zero values left
// out. (Whole requests and answers are compared with a real etcd in test/compat/gateway.test.ts.)
import { describe, expect, it } from 'vitest';
import { Base64Error, decodeBase64 } from '../../rpc/gateway-base64.js';
import { GatewayCodec } from '../../rpc/gateway-codec.js';
import { jsonName } from '../../rpc/gateway-json-decode.js';
import { goJsonString } from '../../rpc/gateway-json-encode.js';
import { JsonSyntaxError, parseDocument, readNextValue } from '../../rpc/gateway-json-syntax.js';

const codec = new GatewayCodec(2 * 1024 * 1024);

function base64Error(text: string): number | string {
  try {
    return decodeBase64(Buffer.from(text)).toString('latin1');
  } catch (e) {
    if (e instanceof Base64Error) return e.offset;
    throw e;
  }
}

function syntaxError(text: string): string {
  try {
    readNextValue(Buffer.from(text), 0);
    return 'no error';
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.message;
    throw e;
  }
}

describe('base64 as Go decodes it', () => {
  it('decodes what is well formed, line breaks skipped', () => {
    expect(base64Error('Zm9v')).toBe('foo');
    expect(base64Error('Zg==')).toBe('f');
    expect(base64Error('Zm8=')).toBe('fo');
    expect(base64Error('Zm\r\n9v\n')).toBe('foo');
    expect(base64Error('')).toBe('');
  });

  it('refuses the rest at the byte Go names', () => {
    expect(base64Error('Zm9')).toBe(0);
    expect(base64Error('Zm9v=')).toBe(4);
    expect(base64Error('Zm8=Zm8=')).toBe(4);
    expect(base64Error('Z m9v')).toBe(1);
    expect(base64Error('Z===')).toBe(1);
    expect(base64Error('Zg=')).toBe(3);
    expect(base64Error('Zg=x')).toBe(2);
    expect(base64Error('Zm9v-_')).toBe(4);
    expect(new Base64Error(7).message).toBe('illegal base64 data at input byte 7');
  });
});

describe('JSON syntax as Go reads it', () => {
  it('words errors as encoding/json does', () => {
    expect(syntaxError('{"a":1')).toBe('unexpected EOF');
    expect(syntaxError('xyz')).toBe("invalid character 'x' looking for beginning of value");
    expect(syntaxError('{"a" 1}')).toBe("invalid character '1' after object key");
    expect(syntaxError('{"a":1 "b"}')).toBe("invalid character '\"' after object key:value pair");
    expect(syntaxError('{"a":1,}')).toBe("invalid character '}' looking for beginning of object key string");
    expect(syntaxError('[1 2]')).toBe("invalid character '2' after array element");
    expect(syntaxError('"\\q"')).toBe("invalid character 'q' in string escape code");
    expect(syntaxError('"\\u12x4"')).toBe("invalid character 'x' in \\u hexadecimal character escape");
    expect(syntaxError('"a\nb"')).toBe("invalid character '\\n' in string literal");
    expect(syntaxError('-x')).toBe("invalid character 'x' in numeric literal");
    expect(syntaxError('1.x')).toBe("invalid character 'x' after decimal point in numeric literal");
    expect(syntaxError('1ex')).toBe("invalid character 'x' in exponent of numeric literal");
    expect(syntaxError('tru')).toBe('unexpected EOF');
    expect(syntaxError('trUe')).toBe("invalid character 'U' in literal true (expecting 'u')");
    expect(syntaxError("'a'")).toBe("invalid character '\\'' looking for beginning of value");
    expect(syntaxError('\u00e9')).toBe("invalid character 'Ã' looking for beginning of value");
  });

  it('reads values one after another, and only whitespace as the end', () => {
    const body = Buffer.from(' {"a":1}\n{"b":[true,null]}  ');
    const first = readNextValue(body, 0)!;
    const second = readNextValue(body, first.end)!;
    expect(second.value).toEqual({ kind: 'object', fields: new Map([['b', { kind: 'array', items: [{ kind: 'bool', value: true }, { kind: 'null' }] }]]) });
    expect(readNextValue(body, second.end)).toBeUndefined();
  });

  it('reads a whole document as json.Unmarshal does', () => {
    expect(() => parseDocument(Buffer.from('1 2'))).toThrow("invalid character '2' after top-level value");
    expect(() => parseDocument(Buffer.from(''))).toThrow('unexpected end of JSON input');
    expect(parseDocument(Buffer.from(' 12 '))).toEqual({ kind: 'number', text: '12' });
  });

  it('unescapes strings, a lone surrogate as U+FFFD', () => {
    const v = readNextValue(Buffer.from('"a\\u00e9\\ud83d\\ude00\\ud800x\\n"'), 0)!.value;
    expect(v.kind === 'string' ? v.value : undefined).toBe('aé😀\ufffdx\n');
  });
});

describe('requests as jsonpb reads them', () => {
  const range = (json: string): Record<string, unknown> => codec.request('KV', 'Range', readNextValue(Buffer.from(json), 0)?.value) as Record<string, unknown>;

  it('takes a field by its .proto name or its JSON name, the JSON name winning', () => {
    expect(jsonName('range_end')).toBe('rangeEnd');
    expect(jsonName('ID')).toBe('ID');
    expect(jsonName('prev_kv')).toBe('prevKv');
    expect((range('{"key":"YQ==","range_end":"Yg==","rangeEnd":"Yw=="}').range_end as Buffer).toString()).toBe('c');
  });

  it('reads 64-bit numbers exactly, bare or quoted, and enums by name or number', () => {
    const r = range('{"revision":9223372036854775807,"limit":"-5","sort_order":"DESCEND","sort_target":2}');
    expect(r).toMatchObject({ revision: '9223372036854775807', limit: '-5', sort_order: 'DESCEND', sort_target: 'CREATE' });
  });

  it('words type errors as Go does', () => {
    expect(() => range('{"revision":1.5}')).toThrow('json: cannot unmarshal number 1.5 into Go value of type int64');
    expect(() => range('{"revision":"x"}')).toThrow("invalid character 'x' looking for beginning of value");
    expect(() => range('{"key":5}')).toThrow('json: cannot unmarshal number into Go value of type []uint8');
    expect(() => range('{"serializable":"yes"}')).toThrow('json: cannot unmarshal string into Go value of type bool');
    expect(() => range('{"sort_order":"UP"}')).toThrow('unknown value "UP" for enum etcdserverpb.RangeRequest_SortOrder');
    expect(() => range('[]')).toThrow('json: cannot unmarshal array into Go value of type map[string]json.RawMessage');
    expect(() => codec.request('KV', 'Txn', readNextValue(Buffer.from('{"compare":{}}'), 0)!.value)).toThrow(
      'json: cannot unmarshal object into Go value of type []json.RawMessage',
    );
    expect(() => codec.request('Cluster', 'MemberRemove', readNextValue(Buffer.from('{"ID":-1}'), 0)!.value)).toThrow(
      'json: cannot unmarshal number -1 into Go value of type uint64',
    );
  });
});

describe('answers as jsonpb writes them', () => {
  it('escapes strings as Go does: HTML-safe, controls as \\u00XX', () => {
    expect(goJsonString('plain')).toBe('"plain"');
    expect(goJsonString('a<b>&c')).toBe('"a\\u003cb\\u003e\\u0026c"');
    expect(goJsonString('"\\\n\r\t\b\f\u0001')).toBe('"\\"\\\\\\n\\r\\t\\u0008\\u000c\\u0001"');
    expect(goJsonString('\u2028é😀')).toBe('"\\u2028é😀"');
  });

  it('leaves zero values out, writes 64-bit integers as strings and enums by name', () => {
    const json = codec.response('Watch', 'Watch', {
      header: { cluster_id: '18446744073709551615', revision: '0' },
      watch_id: '0',
      events: [{ type: 'DELETE', kv: { key: Buffer.from('k'), mod_revision: '3', value: Buffer.alloc(0) } }, { type: 'PUT', kv: { key: Buffer.from('k') } }],
    });
    expect(json).toBe('{"header":{"cluster_id":"18446744073709551615"},"events":[{"type":"DELETE","kv":{"key":"aw==","mod_revision":"3"}},{"kv":{"key":"aw=="}}]}');
  });

  it('writes a oneof member that is set even when it is empty', () => {
    const json = codec.response('KV', 'Txn', { succeeded: true, responses: [{ response_put: {} }] });
    expect(json).toBe('{"succeeded":true,"responses":[{"response_put":{}}]}');
  });
});
