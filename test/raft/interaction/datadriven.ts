// Reading and writing scenario files. A file is a run of directives, each a command line, a `----`
// line, then the expected output up to the next blank line; lines starting with `#` and blank lines
// between directives are kept as they are, so a rewrite changes nothing but the outputs.
//
//   # a comment
//   propose 1 foo
//   ----
//   ok
//
// A first-line comment `# skip: <reason>` marks a file that must not run (see scenarios.test.ts).

export interface Arg {
  /** null for a bare (positional) argument. */
  readonly key: string | null;
  /** `key=(1,2,3)` gives three values; `key=x` and a bare `x` give one. */
  readonly values: readonly string[];
}

export interface Directive {
  /** 1-based line of the command, for error messages. */
  readonly line: number;
  readonly text: string;
  readonly command: string;
  readonly args: readonly Arg[];
  readonly expected: string;
}

export type Chunk = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'directive'; readonly directive: Directive };

const SEPARATOR = '----';

export function parseScenario(source: string, file: string): Chunk[] {
  const lines = source.split('\n');
  // A trailing newline is not a blank line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      chunks.push({ kind: 'text', text: line });
      i++;
      continue;
    }
    if (lines[i + 1] !== SEPARATOR) throw new Error(`${file}:${i + 1}: expected '${SEPARATOR}' after '${line}'`);
    const out: string[] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.trim() !== '') out.push(lines[j++]!);
    const [command, ...rest] = tokenize(line, `${file}:${i + 1}`);
    chunks.push({
      kind: 'directive',
      directive: { line: i + 1, text: line, command: command!.text, args: rest.map(parseArg), expected: out.join('\n') },
    });
    i = j;
  }
  return chunks;
}

/** The file again, with each directive's output replaced by `outputs` (in directive order). */
export function renderScenario(chunks: readonly Chunk[], outputs: readonly string[]): string {
  const lines: string[] = [];
  let n = 0;
  for (const c of chunks) {
    if (c.kind === 'text') {
      lines.push(c.text);
      continue;
    }
    const out = outputs[n++] ?? c.directive.expected;
    lines.push(c.directive.text, SEPARATOR, out);
  }
  return lines.join('\n') + '\n';
}

/** The reason given by a `# skip: ...` first line, if any. */
export function skipReason(chunks: readonly Chunk[]): string | null {
  const first = chunks[0];
  if (first?.kind !== 'text') return null;
  const m = /^#\s*skip:\s*(.+)$/.exec(first.text);
  return m ? m[1]!.trim() : null;
}

interface Token {
  readonly text: string;
  /** A token with a quoted part is always a bare value, even if it holds '='. */
  readonly quoted: boolean;
}

/** Splits on spaces, keeping double-quoted strings (with JSON escapes) whole. */
function tokenize(line: string, where: string): Token[] {
  const tokens: Token[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      let end = i + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (end >= line.length) throw new Error(`${where}: unterminated string`);
      cur += JSON.parse(line.slice(i, end + 1)) as string;
      inToken = true;
      quoted = true;
      i = end;
    } else if (ch === ' ' || ch === '\t') {
      if (inToken) tokens.push({ text: cur, quoted });
      cur = '';
      inToken = false;
      quoted = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (inToken) tokens.push({ text: cur, quoted });
  if (tokens.length === 0) throw new Error(`${where}: empty command`);
  return tokens;
}

function parseArg({ text: token, quoted }: Token): Arg {
  const eq = quoted ? -1 : token.indexOf('=');
  if (eq < 0) return { key: null, values: [token] };
  const key = token.slice(0, eq);
  const value = token.slice(eq + 1);
  if (value.startsWith('(') && value.endsWith(')')) {
    const inner = value.slice(1, -1).trim();
    return { key, values: inner === '' ? [] : inner.split(',').map((v) => v.trim()) };
  }
  return { key, values: [value] };
}
