// Publishes through the members' HTTP API as an operator does (PUT the draft's items, then POST
// publish / gray / promote / abandon), each request to the next member of a list, so the delivery
// tests go through the real publish path and the members the subscriptions do not talk to.
import { namespaceName, parseNamespace, type ConfigItem, type ConfigItems, type GrayEndedRecord, type GraySelector, type ReleaseRecord } from '../../configcenter/layout.js';
import { call, type Reply } from './config-http.js';

export type TestItems = Readonly<Record<string, string | ConfigItem>>;

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** How long a request is tried again while the members answer 503 (an election after a kill). */
const UNAVAILABLE_RETRY_MS = 30_000;

function itemsOf(input: TestItems): ConfigItems {
  const out: Record<string, ConfigItem> = {};
  for (const [k, v] of Object.entries(input)) out[k] = typeof v === 'string' ? { value: v, format: 'text' } : v;
  return out;
}

export class ConfigPublisher {
  private next = 0;

  /** `members`: the client URLs to ask, in turn. */
  constructor(private readonly members: readonly string[]) {
    if (members.length === 0) throw new Error('no member to publish through');
  }

  /** One request to the next member; a 503 is asked again (of the next member) until it passes. */
  async request<T = Record<string, unknown>>(method: Method, ns: string, path: string, body?: unknown): Promise<Reply<T>> {
    const deadline = Date.now() + UNAVAILABLE_RETRY_MS;
    for (;;) {
      const member = this.members[this.next++ % this.members.length]!;
      const r = await call<T>(member, method, `/${namespaceName(parseNamespace(ns))}${path}`, body);
      if (r.status !== 503 || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async expect<T>(want: readonly number[], method: Method, ns: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, ns, path, body);
    if (!want.includes(r.status)) throw new Error(`${method} ${ns}${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Makes the draft exactly `input`: items put where they differ, the others deleted. */
  async setDraft(ns: string, input: TestItems): Promise<void> {
    const want = itemsOf(input);
    const found = await this.request<{ items: ConfigItems }>('GET', ns, '/items?release=draft');
    const draft = found.status === 200 ? found.body.items : {};
    for (const item of Object.keys(draft)) {
      // A retried delete that had passed answers 404.
      if (!(item in want)) await this.expect([200, 404], 'DELETE', ns, `/items/${encodeURIComponent(item)}`);
    }
    for (const [item, v] of Object.entries(want)) {
      const had = draft[item];
      if (had?.value === v.value && had.format === v.format) continue;
      await this.expect([200], 'PUT', ns, `/items/${encodeURIComponent(item)}`, { value: v.value, format: v.format });
    }
  }

  /** Publishes `input` as the next release; returns its number. */
  async publish(ns: string, input: TestItems, message = 'test publish'): Promise<number> {
    await this.setDraft(ns, input);
    // 200 (unchanged) too: a publish answered 503 may have passed, and is then the current release.
    const r = await this.expect<{ release: ReleaseRecord }>([200, 201], 'POST', ns, '/publish', { message, author: 'test' });
    return r.release.release;
  }

  /** Publishes `input` as a gray release to the instances `selector` picks; returns its number. */
  async gray(ns: string, input: TestItems, selector: GraySelector): Promise<number> {
    await this.setDraft(ns, input);
    const r = await this.expect<{ release: ReleaseRecord }>([201], 'POST', ns, '/gray', { ...selector, message: 'test gray', author: 'test' });
    return r.release.release;
  }

  /** Promotes the gray release under way; returns the number of the release it became. */
  async promote(ns: string): Promise<number> {
    return (await this.expect<{ release: ReleaseRecord }>([201], 'POST', ns, '/gray/promote', { author: 'test' })).release.release;
  }

  /** Abandons the gray release under way. */
  async abandon(ns: string, reason = 'test'): Promise<GrayEndedRecord> {
    return (await this.expect<{ grayEnded: GrayEndedRecord }>([200], 'POST', ns, '/gray/abandon', { reason, author: 'test' })).grayEnded;
  }

  /** GET …/<ns>: the namespace's view. */
  async view<T = Record<string, unknown>>(ns: string): Promise<T> {
    return this.expect<T>([200], 'GET', ns, '');
  }

  /** GET …/<ns>/status: who runs what. */
  async status<T = Record<string, unknown>>(ns: string): Promise<T> {
    return this.expect<T>([200], 'GET', ns, '/status');
  }
}
