// Helpers for the config center's HTTP API tests on real members: JSON requests with fetch, and the
// live keys read through etcd's JSON gateway, as any etcd client reads them.
import { b64, gateway } from '../support/consul-http.js';

export const BASE = '/lodestone/v1/config';

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export async function call<T = Record<string, unknown>>(member: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(`${member}${BASE}${path}`, init);
  const text = await r.text();
  return { status: r.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** The live keys under /lodestone/config/<ns>/: item → value. */
export async function liveKeys(member: string, ns: string, token?: string): Promise<Record<string, string>> {
  const prefix = `/lodestone/config/${ns}/`;
  const end = Buffer.from(prefix, 'utf8');
  end[end.length - 1]!++;
  const r = await gateway(member, 'kv/range', { key: b64(prefix), range_end: end.toString('base64') }, token);
  const kvs = (r['kvs'] ?? []) as { key: string; value?: string }[];
  const out: Record<string, string> = {};
  for (const kv of kvs) out[Buffer.from(kv.key, 'base64').toString('utf8').slice(prefix.length)] = Buffer.from(kv.value ?? '', 'base64').toString('utf8');
  return out;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly errors?: { path: string; message: string }[]; readonly release?: number };
}
