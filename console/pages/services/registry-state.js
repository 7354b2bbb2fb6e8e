// The service registry as the page holds it, built from the registry's keys (registry/layout.ts)
// read through etcd's JSON gateway: instances, their checks' last states, the consumer keys that
// make the dependency graph, and each check's past states. A health key is written only when its
// check's state (or output) changes, so each version of it is one entry of the check's timeline.
import { base64ToText } from '../../lib/bytes.js';

export const REGISTRY_START = '/lodestone/consumers/';
export const SERVICES_PREFIX = '/lodestone/services/';
const HEALTH_PREFIX = '/lodestone/health/';
const CONSUMERS_PREFIX = '/lodestone/consumers/';
const SETTINGS_PREFIX = '/lodestone/service-settings/';

const STATUSES = ['passing', 'warning', 'critical'];
const RANK = { passing: 0, warning: 1, critical: 2 };
/** Timeline entries kept per check: the newest. */
const TIMELINE_LIMIT = 50;

export function worstStatus(statuses) {
  let worst = 'passing';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

function parseJson(text) {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

const isStatus = (s) => STATUSES.includes(s);

/** An instance record, read leniently as the members read it (registry/records.ts decodeInstance). */
function decodeInstance(text) {
  const o = parseJson(text);
  const weights = o.weights && typeof o.weights === 'object' ? o.weights : {};
  const checks = Array.isArray(o.checks) ? o.checks.filter((c) => c && typeof c.id === 'string' && c.id !== '') : [];
  return {
    address: typeof o.address === 'string' ? o.address : typeof o.host === 'string' ? o.host : '',
    port: Number.isInteger(o.port) ? o.port : 0,
    tags: Array.isArray(o.tags) ? o.tags.filter((t) => typeof t === 'string') : [],
    meta: o.meta && typeof o.meta === 'object' && !Array.isArray(o.meta) ? o.meta : {},
    weights: { passing: Number.isInteger(weights.passing) ? weights.passing : 1, warning: Number.isInteger(weights.warning) ? weights.warning : 1 },
    checks: checks.map((c) => ({
      id: c.id,
      name: typeof c.name === 'string' ? c.name : c.id,
      kind: c.kind,
      target: c.kind === 'http' ? `${c.method ?? 'GET'} ${c.http}` : c.kind === 'ttl' ? `TTL ${(c.ttlMs ?? 0) / 1000} s` : String(c[c.kind] ?? ''),
      intervalMs: c.intervalMs,
      initialStatus: isStatus(c.initialStatus) ? c.initialStatus : 'critical',
    })),
  };
}

function decodeHealth(text) {
  const o = parseJson(text);
  if (!isStatus(o.status)) return undefined;
  return { status: o.status, output: typeof o.output === 'string' ? o.output : '', since: typeof o.since === 'number' ? o.since : 0 };
}

/** What a registry key names, or undefined for another key in the range. */
export function parseKey(key) {
  const parts = (prefix, n) => {
    if (!key.startsWith(prefix)) return undefined;
    const p = key.slice(prefix.length).split('/');
    return p.length === n && p.every((s) => s !== '') ? p : undefined;
  };
  const inst = parts(SERVICES_PREFIX, 2);
  if (inst) return { kind: 'instance', service: inst[0], id: inst[1] };
  const health = parts(HEALTH_PREFIX, 3);
  if (health) return { kind: 'health', service: health[0], id: health[1], check: health[2] };
  const consumer = parts(CONSUMERS_PREFIX, 2);
  if (consumer) return { kind: 'consumer', service: consumer[0], process: consumer[1] };
  const settings = parts(SETTINGS_PREFIX, 1);
  if (settings) return { kind: 'settings', service: settings[0] };
  return undefined;
}

export class RegistryState {
  constructor() {
    /** "service/id" → { service, id, record, lease, modRevision } */
    this.instances = new Map();
    /** "service/id/check" → { status, output, since, modRevision, version } */
    this.health = new Map();
    /** consumer key → { service, consumer, process, host, pid, since } */
    this.consumers = new Map();
    /** service → its protect threshold (0–1), when set */
    this.protectThresholds = new Map();
    /** "service/id/check" → [{ revision, status, output, since }], oldest first */
    this.timelines = new Map();
    /** The revision the state is at. */
    this.revision = 0;
    /** History before this revision was compacted away (0: none missing). */
    this.compactedBefore = 0;
  }

  /** Takes the keys of one read (a range at `revision`): the state is then that revision's. */
  load(kvs, revision) {
    for (const kv of kvs) this.put(kv);
    this.revision = revision;
  }

  /**
   * One watch response's events. Those at or below the revision the state is at (a watch that
   * started in the past to replay history) only add to the timelines; the rest change the state.
   */
  applyEvents(events) {
    const base = this.revision;
    for (const event of events) {
      const kv = event.kv;
      const revision = Number(kv.mod_revision);
      const deleted = event.type === 'DELETE';
      const parsed = parseKey(base64ToText(kv.key));
      if (parsed?.kind === 'health') {
        const ref = `${parsed.service}/${parsed.id}/${parsed.check}`;
        if (deleted) this.timelines.delete(ref);
        else this.addToTimeline(ref, revision, kv);
      }
      if (revision <= base) continue;
      if (deleted) this.remove(kv);
      else this.put(kv);
      // Events of one revision (a transaction) come in one response: compared with `base`, not this.
      this.revision = Math.max(this.revision, revision);
    }
  }

  put(kv) {
    const key = base64ToText(kv.key);
    const parsed = parseKey(key);
    if (!parsed) return;
    const text = base64ToText(kv.value);
    const modRevision = Number(kv.mod_revision);
    if (parsed.kind === 'instance') {
      this.instances.set(`${parsed.service}/${parsed.id}`, {
        service: parsed.service,
        id: parsed.id,
        record: decodeInstance(text),
        lease: kv.lease && kv.lease !== '0' ? kv.lease : undefined,
        modRevision,
        createRevision: Number(kv.create_revision),
      });
    } else if (parsed.kind === 'health') {
      const ref = `${parsed.service}/${parsed.id}/${parsed.check}`;
      const h = decodeHealth(text);
      if (h) this.health.set(ref, { ...h, modRevision, createRevision: Number(kv.create_revision), version: Number(kv.version ?? 1) });
      else this.health.delete(ref);
      this.addToTimeline(ref, modRevision, kv);
    } else if (parsed.kind === 'settings') {
      const t = parseJson(text).protectThreshold;
      if (typeof t === 'number' && t > 0 && t <= 1) this.protectThresholds.set(parsed.service, t);
      else this.protectThresholds.delete(parsed.service);
    } else {
      const o = parseJson(text);
      const at = parsed.process.indexOf('@');
      this.consumers.set(key, {
        service: parsed.service,
        process: parsed.process,
        consumer: typeof o.consumer === 'string' && o.consumer !== '' ? o.consumer : at > 0 ? parsed.process.slice(0, at) : parsed.process,
        host: typeof o.host === 'string' ? o.host : '',
        pid: typeof o.pid === 'number' ? o.pid : 0,
        since: typeof o.since === 'number' ? o.since : 0,
      });
    }
  }

  remove(kv) {
    const key = base64ToText(kv.key);
    const parsed = parseKey(key);
    if (parsed?.kind === 'instance') this.instances.delete(`${parsed.service}/${parsed.id}`);
    else if (parsed?.kind === 'health') this.health.delete(`${parsed.service}/${parsed.id}/${parsed.check}`);
    else if (parsed?.kind === 'consumer') this.consumers.delete(key);
    else if (parsed?.kind === 'settings') this.protectThresholds.delete(parsed.service);
  }

  /** Adds one version of a health key (a kv) to its check's timeline, in revision order, once. */
  addToTimeline(ref, revision, kv) {
    const h = decodeHealth(base64ToText(kv.value));
    if (!h) return;
    const list = this.timelines.get(ref) ?? [];
    if (list.some((e) => e.revision === revision)) return;
    // Version 1 is the state the check was registered with.
    list.push({ revision, version: Number(kv.version ?? 0), ...h });
    list.sort((a, b) => a.revision - b.revision);
    if (list.length > TIMELINE_LIMIT) list.splice(0, list.length - TIMELINE_LIMIT);
    this.timelines.set(ref, list);
  }

  /** The oldest revision a current health key was created at: where its history starts. */
  historyStart() {
    let start = this.revision + 1;
    for (const h of this.health.values()) if (h.createRevision > 0) start = Math.min(start, h.createRevision);
    return start;
  }

  /** An instance with its checks' states and timelines, and its status: its worst check's. */
  instance(service, id) {
    const entry = this.instances.get(`${service}/${id}`);
    if (!entry) return undefined;
    const checks = entry.record.checks.map((definition) => {
      const ref = `${service}/${id}/${definition.id}`;
      const h = this.health.get(ref);
      return { ...definition, status: h?.status ?? definition.initialStatus, output: h?.output ?? '', since: h?.since, version: h?.version ?? 0, timeline: this.timelines.get(ref) ?? [] };
    });
    return { ...entry, ...entry.record, checks, status: worstStatus(checks.map((c) => c.status)) };
  }

  /** Every service with its instances, by name. */
  services() {
    const byName = new Map();
    for (const { service, id } of this.instances.values()) {
      const list = byName.get(service) ?? [];
      list.push(this.instance(service, id));
      byName.set(service, list);
    }
    return [...byName.entries()]
      .map(([name, instances]) => {
        instances.sort((a, b) => a.id.localeCompare(b.id));
        const counts = { passing: 0, warning: 0, critical: 0 };
        for (const i of instances) counts[i.status]++;
        return { name, instances, counts, protectThreshold: this.protectThresholds.get(name) ?? 0 };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The dependency graph's edges: consumer → service, with the processes that make each. */
  edges() {
    const byEdge = new Map();
    for (const c of this.consumers.values()) {
      const id = `${c.consumer}\u0000${c.service}`;
      const edge = byEdge.get(id) ?? { consumer: c.consumer, service: c.service, processes: [] };
      edge.processes.push(c);
      byEdge.set(id, edge);
    }
    return [...byEdge.values()].sort((a, b) => a.consumer.localeCompare(b.consumer) || a.service.localeCompare(b.service));
  }
}
