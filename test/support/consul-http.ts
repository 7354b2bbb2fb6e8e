// Helpers for the tests of Consul's HTTP API on real members: requests with fetch, and etcd's JSON
// gateway for what is set through etcd's own API (the registry's settings, users and roles).

export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
}

export async function consul(base: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(`${base}${path}`, init);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/** A JSON answer, failing with the status and text when it is not a 200. */
export async function consulJson<T>(base: string, path: string, headers: Record<string, string> = {}): Promise<{ body: T; index: number; headers: Headers }> {
  const a = await consul(base, 'GET', path, undefined, headers);
  if (a.status !== 200) throw new Error(`GET ${path}: ${a.status} ${a.text}`);
  return { body: JSON.parse(a.text) as T, index: Number(a.headers.get('x-consul-index')), headers: a.headers };
}

/** PUT that must succeed. */
export async function put(base: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<void> {
  const a = await consul(base, 'PUT', path, body, headers);
  if (a.status !== 200) throw new Error(`PUT ${path}: ${a.status} ${a.text}`);
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** etcd's JSON gateway: POST /v3/<path> with the body as given, a token if any. */
export async function gateway(base: string, path: string, body: Record<string, unknown>, token?: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}/v3/${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { Authorization: token } : {} });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status !== 200) throw new Error(`/v3/${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

export function etcdPut(base: string, key: string, value: string, token?: string): Promise<Record<string, unknown>> {
  return gateway(base, 'kv/put', { key: b64(key), value: b64(value) }, token);
}

export { b64 };

export interface HealthEntry {
  readonly Node: { readonly Node: string; readonly Address: string; readonly Datacenter: string };
  readonly Service: { readonly ID: string; readonly Service: string; readonly Tags: string[]; readonly Address: string; readonly Port: number; readonly Meta: Record<string, string>; readonly Weights: { Passing: number; Warning: number } };
  readonly Checks: readonly { readonly CheckID: string; readonly Name: string; readonly Status: string; readonly Output: string; readonly Type: string; readonly ServiceID: string; readonly Definition: Record<string, unknown> }[];
}

export interface CatalogEntry {
  readonly Node: string;
  readonly Address: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceAddress: string;
  readonly ServicePort: number;
  readonly ServiceTags: string[];
  readonly ServiceMeta: Record<string, string>;
  readonly ServiceWeights: { Passing: number; Warning: number };
}
