// Reading a /metrics page the way Prometheus does, for tests: each family's type and help, its
// label names, its histogram buckets, and each sample's value by series.

export interface Family {
  readonly name: string;
  type: string;
  help: string;
  /** Label names of its samples, `le` left out. */
  readonly labelNames: Set<string>;
  /** A histogram's bucket boundaries as printed ("0.001", …, "+Inf"), in order. */
  readonly buckets: string[];
}

export interface Scrape {
  readonly families: ReadonlyMap<string, Family>;
  /** "name{a=\"x\",b=\"y\"}" (labels sorted) → value. */
  readonly samples: ReadonlyMap<string, number>;
}

const SUFFIXES = ['_bucket', '_sum', '_count'];

export function parseExposition(text: string): Scrape {
  const families = new Map<string, Family>();
  const samples = new Map<string, number>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: '', help: '', labelNames: new Set(), buckets: [] }));
    return f;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]!);
      if (meta[1] === 'HELP') f.help = meta[3]!;
      else f.type = meta[3]!;
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: [string, string][] = [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]);
    labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    samples.set(`${m[1]}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}`, Number(m[3]));
    const base = families.has(m[1]!) ? m[1]! : (SUFFIXES.map((s) => (m[1]!.endsWith(s) ? m[1]!.slice(0, -s.length) : '')).find((b) => families.has(b)) ?? m[1]!);
    const f = family(base);
    for (const [k, v] of labels) {
      if (k !== 'le') f.labelNames.add(k);
      else if (!f.buckets.includes(v)) f.buckets.push(v);
    }
  }
  return { families, samples };
}

export async function scrape(url: string): Promise<Scrape> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  return parseExposition(await r.text());
}

/** One sample's value: `labels` as "a=\"x\",b=\"y\"" in sorted order, or none. */
export function sample(s: Scrape, name: string, labels = ''): number | undefined {
  return s.samples.get(`${name}{${labels}}`);
}
