// The config center's HTTP JSON API as the config-delivery workload uses it: set an item of a
// namespace's draft and publish it, timing the publish's answer. Any answer but 2xx is an error
// carrying the member's code, so a refused publish stops the round instead of being timed.
const BASE = '/lodestone/v1/config';

export class ConfigApiError extends Error {
  override readonly name = 'ConfigApiError';
}

export interface Published {
  readonly release: number;
  /** performance.now() when the publish's answer had arrived, whole. */
  readonly answeredAt: number;
  /** How long the publish request took (ms). */
  readonly tookMs: number;
}

export class ConfigApi {
  /** `member`: a member's client URL (http://host:port); `ns`: the full app/env/cluster. */
  constructor(
    private readonly member: string,
    private readonly ns: string,
  ) {}

  private async call(method: 'PUT' | 'POST', path: string, body: unknown): Promise<Record<string, unknown>> {
    const r = await fetch(`${this.member}${BASE}/${this.ns}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    if (r.status < 200 || r.status > 299) throw new ConfigApiError(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  }

  async setItem(item: string, value: string): Promise<void> {
    await this.call('PUT', `/items/${encodeURIComponent(item)}`, { value });
  }

  /** Publishes the draft; fails if nothing changed (the workload always changes an item first). */
  async publish(message: string): Promise<Published> {
    const started = performance.now();
    const res = await this.call('POST', '/publish', { message, author: 'bench' });
    const answeredAt = performance.now();
    const release = (res['release'] as { release?: unknown } | undefined)?.release;
    if (res['unchanged'] === true || typeof release !== 'number') throw new ConfigApiError(`publish made no new release: ${JSON.stringify(res).slice(0, 300)}`);
    return { release, answeredAt, tookMs: answeredAt - started };
  }
}
