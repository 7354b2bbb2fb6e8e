// Answers questions fast: what answerQuestion gives for a question is encoded once, record by
// record (no name compression, so each record's bytes stand alone), and kept until the registry
// changes — a service's answers when that service changes, the others' stay — and each reply then
// only orders the cached groups (weighted random) and copies bytes.
import type { Question } from 'dns-packet';
import { answerQuestion, type AnswerSettings, type Rcode } from './answer.js';
import type { DnsCatalog } from './dns-catalog.js';
import { parseQueryName } from './names.js';
import { recordBytes } from './record-bytes.js';
import { weightedOrder, type Random } from './weighted-order.js';

/** An answer record and its additional records, encoded. */
export interface EncodedGroup {
  readonly answer: Buffer;
  readonly extras: readonly Buffer[];
  /** answer and extras together, in bytes. */
  readonly bytes: number;
  readonly weight: number;
}

export interface EncodedAnswer {
  readonly rcode: Rcode;
  /** In the order they go out. */
  readonly groups: readonly EncodedGroup[];
  readonly authorities: readonly Buffer[];
}

/** An answer as cached: the service label it depends on (none for names the registry cannot change). */
interface CachedAnswer {
  readonly answer: EncodedAnswer;
  readonly label: string | undefined;
  readonly generation: number;
}

/** Cached questions past this are dropped all at once (a flood of distinct names cannot grow it). */
const MAX_CACHED = 10_000;

export class DnsResponder {
  private readonly cache = new Map<string, CachedAnswer>();

  constructor(
    private readonly catalog: DnsCatalog,
    private readonly settings: AnswerSettings,
    private readonly random: Random = Math.random,
  ) {}

  answer(q: Question): EncodedAnswer {
    // Records are named in lower case (the question goes back as asked): the case variants of one
    // name share one entry, so they cannot fill the cache with copies of a large answer.
    const name = q.name.toLowerCase();
    const key = `${q.type} ${name}`;
    let cached = this.cache.get(key);
    if (!cached || (cached.label !== undefined && cached.generation < this.catalog.changedSince(cached.label))) {
      if (!cached && this.cache.size >= MAX_CACHED) this.cache.clear();
      const parsed = parseQueryName(name, this.settings.domain);
      const generation = this.catalog.generation;
      cached = { answer: encode(answerQuestion({ ...q, name }, this.catalog, this.settings)), label: parsed.kind === 'service' ? parsed.service : undefined, generation };
      this.cache.set(key, cached);
    }
    const a = cached.answer;
    return a.groups.length < 2 ? a : { ...a, groups: weightedOrder(a.groups, (g) => g.weight, this.random) };
  }
}

function encode(a: ReturnType<typeof answerQuestion>): EncodedAnswer {
  return {
    rcode: a.rcode,
    groups: a.groups.map((g) => {
      const answer = recordBytes(g.answer);
      const extras = g.extras.map((x) => recordBytes(x));
      return { answer, extras, bytes: answer.length + extras.reduce((n, x) => n + x.length, 0), weight: g.weight };
    }),
    authorities: a.authorities.map((x) => recordBytes(x)),
  };
}
