// Consul's blocking queries: ?index=N holds a read until the data's index passes N, or until
// ?wait (5 minutes by default, 10 at most, plus up to a sixteenth of it at random so that many
// watchers do not all come back at once). An index below the current one answers at once. Every
// read says X-Consul-Index (never 0), X-Consul-KnownLeader and X-Consul-LastContact.
import type { ServerResponse } from 'node:http';
import { parseDuration } from '../../cluster/go-duration.js';
import type { CallSignal } from '../../rpc/call-options.js';
import type { RegistryView } from '../../registry/registry-view.js';
import { badRequest } from './consul-error.js';

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;
const JITTER_FRACTION = 16;

export interface BlockingParams {
  /** 0: answer at once. */
  readonly index: number;
  /** How long to hold the read, jitter included. */
  readonly waitMs: number;
}

export function parseBlocking(query: URLSearchParams, random: () => number = Math.random): BlockingParams {
  const rawIndex = query.get('index');
  let index = 0;
  if (rawIndex !== null && rawIndex !== '') {
    if (!/^\d+$/.test(rawIndex) || !Number.isSafeInteger(Number(rawIndex))) throw badRequest('Invalid index');
    index = Number(rawIndex);
  }
  const rawWait = query.get('wait');
  let wait = DEFAULT_WAIT_MS;
  if (rawWait !== null && rawWait !== '') {
    const ms = parseDuration(rawWait);
    if (ms === undefined) throw badRequest('Invalid wait time');
    wait = ms;
  }
  if (wait > MAX_WAIT_MS) wait = MAX_WAIT_MS;
  else if (wait <= 0) wait = DEFAULT_WAIT_MS;
  return { index, waitMs: wait + Math.floor(random() * (wait / JITTER_FRACTION)) };
}

/** What a read says of the cluster's leader (Consul's QueryMeta). */
export interface LeaderContact {
  readonly knownLeader: boolean;
  /** Milliseconds since this member last heard from the leader; 0 on the leader. */
  readonly lastContactMs: number;
}

/** Holds the read until `index()` passes the asked index, its wait runs out, or the client leaves. */
export async function block(view: RegistryView, index: () => number, params: BlockingParams, signal: CallSignal): Promise<void> {
  if (params.index === 0 || index() > params.index) return;
  await view.waitFor(index, params.index, params.waitMs, signal);
}

export function setQueryMeta(res: ServerResponse, index: number, leader: LeaderContact): void {
  res.setHeader('X-Consul-Index', String(Math.max(1, index)));
  res.setHeader('X-Consul-KnownLeader', leader.knownLeader ? 'true' : 'false');
  res.setHeader('X-Consul-LastContact', String(Math.max(0, Math.round(leader.lastContactMs))));
}
