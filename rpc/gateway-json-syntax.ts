// JSON text as etcd's gateway reads it (Go's encoding/json): values parsed with their numbers kept
// as written (a 64-bit id must not pass through a double), and syntax errors worded as Go words
// them, since the gateway sends that text back to the client. Two readers: a stream of values one
// after another (Go's json.Decoder, for request bodies) and one whole document (json.Unmarshal,
// for a number written in quotes).

export type JsonValue =
  | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, JsonValue> }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  /** `raw` is what stood between the quotes, escapes untouched; `value` the string it means. */
  | { readonly kind: 'string'; readonly value: string; readonly raw: Buffer }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

export class JsonSyntaxError extends Error {
  /** The text ended inside a value: more of it might complete the value. */
  readonly truncated: boolean;
  constructor(message: string, truncated = false) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.truncated = truncated;
  }
}

/** Go's limit on nesting (encoding/json's maxNestingDepth). */
const MAX_DEPTH = 10_000;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A byte as Go's scanner quotes it in an error: 'x', '\n', '"', '\''. */
export function quoteByte(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${goQuoteInner(String.fromCharCode(c))}'`;
}

/** The inside of Go's strconv.Quote of `s`: printable characters kept, the rest escaped. */
export function goQuoteInner(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (cp) {
      case 0x07: out += '\\a'; continue;
      case 0x08: out += '\\b'; continue;
      case 0x0c: out += '\\f'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
      case 0x0b: out += '\\v'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x22: out += '\\"'; continue;
    }
    if (isGoPrintable(cp)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out;
}

/** Go's unicode.IsPrint, near enough: letters, marks, numbers, punctuation, symbols and ' '. */
function isGoPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

class Reader {
  pos: number;
  private depth = 0;

  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  skipWhitespace(): void {
    while (this.pos < this.buf.length && WHITESPACE.has(this.buf[this.pos]!)) this.pos++;
  }

  private peek(): number {
    if (this.pos >= this.buf.length) throw new JsonSyntaxError('unexpected EOF', true);
    return this.buf[this.pos]!;
  }

  private fail(c: number, context: string): never {
    throw new JsonSyntaxError(`invalid character ${quoteByte(c)} ${context}`);
  }

  value(): JsonValue {
    this.skipWhitespace();
    const c = this.peek();
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case 0x22: return this.string();
      case 0x74: return this.literal('true', { kind: 'bool', value: true });
      case 0x66: return this.literal('false', { kind: 'bool', value: false });
      case 0x6e: return this.literal('null', { kind: 'null' });
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail(c, 'looking for beginning of value');
  }

  private nest(): void {
    if (++this.depth > MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth');
  }

  private object(): JsonValue {
    this.nest();
    this.pos++;
    const fields = new Map<string, JsonValue>();
    this.skipWhitespace();
    if (this.peek() === 0x7d) {
      this.pos++;
      this.depth--;
      return { kind: 'object', fields };
    }
    for (;;) {
      this.skipWhitespace();
      const c = this.peek();
      if (c !== 0x22) this.fail(c, 'looking for beginning of object key string');
      const key = this.string();
      this.skipWhitespace();
      const colon = this.peek();
      if (colon !== 0x3a) this.fail(colon, 'after object key');
      this.pos++;
      // Go keeps the last of a key given twice.
      fields.set(key.value, this.value());
      this.skipWhitespace();
      const next = this.peek();
      this.pos++;
      if (next === 0x2c) continue;
      if (next === 0x7d) break;
      this.fail(next, 'after object key:value pair');
    }
    this.depth--;
    return { kind: 'object', fields };
  }

  private array(): JsonValue {
    this.nest();
    this.pos++;
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.peek() === 0x5d) {
      this.pos++;
      this.depth--;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skipWhitespace();
      const next = this.peek();
      this.pos++;
      if (next === 0x2c) continue;
      if (next === 0x5d) break;
      this.fail(next, 'after array element');
    }
    this.depth--;
    return { kind: 'array', items };
  }

  private string(): { kind: 'string'; value: string; raw: Buffer } {
    const start = ++this.pos;
    let escaped = false;
    for (;;) {
      const c = this.peek();
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        this.pos++;
        const e = this.peek();
        if (e === 0x75) {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            const h = this.peek();
            if (!isHex(h)) this.fail(h, 'in \\u hexadecimal character escape');
          }
        } else if (!ESCAPES.has(e)) {
          this.fail(e, 'in string escape code');
        }
      } else if (c < 0x20) {
        this.fail(c, 'in string literal');
      }
      this.pos++;
    }
    const raw = this.buf.subarray(start, this.pos);
    this.pos++;
    return { kind: 'string', value: escaped ? unescape(raw) : raw.toString('utf8'), raw };
  }

  private number(): JsonValue {
    const start = this.pos;
    const at = (): number | undefined => (this.pos < this.buf.length ? this.buf[this.pos] : undefined);
    const digits = (): void => {
      while (isDigit(at())) this.pos++;
    };
    if (at() === 0x2d) {
      this.pos++;
      const c = this.peek();
      if (!isDigit(c)) this.fail(c, 'in numeric literal');
    }
    if (at() === 0x30) this.pos++;
    else digits();
    if (at() === 0x2e) {
      this.pos++;
      const c = this.peek();
      if (!isDigit(c)) this.fail(c, 'after decimal point in numeric literal');
      digits();
    }
    const e = at();
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      let c = this.peek();
      if (c === 0x2b || c === 0x2d) {
        this.pos++;
        c = this.peek();
      }
      if (!isDigit(c)) this.fail(c, 'in exponent of numeric literal');
      digits();
    }
    return { kind: 'number', text: this.buf.toString('latin1', start, this.pos) };
  }

  private literal(word: string, value: JsonValue): JsonValue {
    this.pos++;
    for (let i = 1; i < word.length; i++) {
      const c = this.peek();
      if (c !== word.charCodeAt(i)) this.fail(c, `in literal ${word} (expecting ${quoteByte(word.charCodeAt(i))})`);
      this.pos++;
    }
    return value;
  }
}

const ESCAPES = new Set([...'"\\/bfnrtu'].map((c) => c.charCodeAt(0)));

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/** The string a checked literal with escapes stands for; a lone surrogate becomes U+FFFD, as in Go. */
function unescape(raw: Buffer): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < raw.length) {
    if (raw[i] !== 0x5c) {
      i++;
      continue;
    }
    out += raw.toString('utf8', from, i);
    const e = raw[i + 1]!;
    if (e !== 0x75) {
      out += SIMPLE_ESCAPES[e]!;
      i += 2;
    } else {
      const unit = parseInt(raw.toString('latin1', i + 2, i + 6), 16);
      i += 6;
      if (unit >= 0xd800 && unit < 0xdc00 && raw[i] === 0x5c && raw[i + 1] === 0x75) {
        const low = parseInt(raw.toString('latin1', i + 2, i + 6), 16);
        if (low >= 0xdc00 && low < 0xe000) {
          out += String.fromCharCode(unit, low);
          i += 6;
          from = i;
          continue;
        }
      }
      out += unit >= 0xd800 && unit < 0xe000 ? '\ufffd' : String.fromCharCode(unit);
    }
    from = i;
  }
  return out + raw.toString('utf8', from);
}

/**
 * The next value of a body that holds values one after another, from `start` (Go's json.Decoder):
 * undefined when only whitespace is left (io.EOF). Throws JsonSyntaxError; `truncated` when the body
 * ended inside the value ("unexpected EOF").
 */
export function readNextValue(buf: Buffer, start: number): { value: JsonValue; end: number } | undefined {
  const reader = new Reader(buf, start);
  reader.skipWhitespace();
  if (reader.pos >= buf.length) return undefined;
  const value = reader.value();
  return { value, end: reader.pos };
}

/** A whole document, nothing but whitespace after the value (Go's json.Unmarshal). */
export function parseDocument(buf: Buffer): JsonValue {
  const reader = new Reader(buf, 0);
  let value: JsonValue;
  try {
    value = reader.value();
  } catch (e) {
    if (e instanceof JsonSyntaxError && e.truncated) throw new JsonSyntaxError('unexpected end of JSON input');
    throw e;
  }
  reader.skipWhitespace();
  if (reader.pos < buf.length) throw new JsonSyntaxError(`invalid character ${quoteByte(buf[reader.pos]!)} after top-level value`);
  return value;
}
