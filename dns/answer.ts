// A question → the records that answer it, as Consul's DNS answers (see names.ts for the names):
//   - a service: only passing instances (warning ones too unless onlyPassing), or every instance
//     when the healthy share falls below the service's protectThreshold; each reply puts them in
//     weighted random order (responder.ts). A/AAAA give the addresses of the asked family, ANY
//     both; an instance whose address is a host name is a CNAME to it. SRV gives priority 1, the
//     instance's weight (its passing or warning weight, the warning one when protection answers a
//     critical instance), its port, and a target <hex>.addr.<domain> whose A/AAAA record goes in
//     the additional section (a host name is its own target).
//   - an unknown service, one with nothing to answer, or a name of no known form: NXDOMAIN.
//   - a known name with no record of the type asked: NOERROR and no answers.
//   Both of those carry the domain's SOA in the authority section. Names outside the domain:
//   SERVFAIL (Consul's answer when it has no recursors to ask).
import type { Answer, Question, SoaAnswer } from 'dns-packet';
import type { DnsCatalog, DnsEndpoint } from './dns-catalog.js';
import { addrName, parseQueryName } from './names.js';
import { isHealthyStatus, selectHealthy } from '../registry/healthy-selection.js';

export interface AnswerSettings {
  /** Normalized (names.ts normalizeDomain): "lodestone". */
  readonly domain: string;
  /** Answer passing instances only (true), or warning ones too. */
  readonly onlyPassing: boolean;
}

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP';

/**
 * An answer record with the additional records that go with it (kept or dropped together), and
 * the weight it is ordered by (responder.ts orders the groups of each reply afresh).
 */
export interface AnswerGroup {
  readonly answer: Answer;
  readonly extras: readonly Answer[];
  readonly weight: number;
}

export interface QuestionAnswer {
  readonly rcode: Rcode;
  readonly groups: readonly AnswerGroup[];
  readonly authorities: readonly Answer[];
}

/** Consul's default service TTL: answers are not cached. */
const TTL = 0;

/** The records answering `q`, unordered. */
export function answerQuestion(q: Question, catalog: DnsCatalog, settings: AnswerSettings): QuestionAnswer {
  const parsed = parseQueryName(q.name, settings.domain);
  // dns-packet reads type 255 as "ANY", which its types leave out.
  const type: string = q.type;
  const soa = (): Answer[] => [soaRecord(settings.domain)];
  switch (parsed.kind) {
    case 'outside':
      return { rcode: 'SERVFAIL', groups: [], authorities: [] };
    case 'unknown':
      return { rcode: 'NXDOMAIN', groups: [], authorities: soa() };
    case 'apex':
      return type === 'SOA' ? { rcode: 'NOERROR', groups: [{ answer: { ...soaRecord(settings.domain), name: q.name }, extras: [], weight: 1 }], authorities: [] } : { rcode: 'NOERROR', groups: [], authorities: soa() };
    case 'addr': {
      const wanted = type === 'ANY' || (type === 'A' && parsed.family === 4) || (type === 'AAAA' && parsed.family === 6);
      if (!wanted) return { rcode: 'NOERROR', groups: [], authorities: soa() };
      return { rcode: 'NOERROR', groups: [{ answer: ipRecord(q.name, parsed.address, parsed.family), extras: [], weight: 1 }], authorities: [] };
    }
    case 'service': {
      const chosen = choose(catalog, parsed.service, parsed.tag, settings.onlyPassing);
      if (chosen.length === 0) return { rcode: 'NXDOMAIN', groups: [], authorities: soa() };
      const groups = chosen.flatMap((e) => serviceRecords(q, e, settings.domain));
      return { rcode: 'NOERROR', groups, authorities: groups.length === 0 ? soa() : [] };
    }
  }
}

/** The instances a service name answers with: healthy ones, or all under protection. */
function choose(catalog: DnsCatalog, service: string, tag: string | undefined, onlyPassing: boolean): DnsEndpoint[] {
  const chosen: DnsEndpoint[] = [];
  for (const s of catalog.lookup(service)) {
    const matching = tag === undefined ? s.endpoints : s.endpoints.filter((e) => e.tags.has(tag));
    // Nacos's protect threshold: too few healthy instances left, and every instance is answered
    // rather than send all the load to the few.
    chosen.push(...selectHealthy(matching, (e) => isHealthyStatus(e.status, onlyPassing), s.settings.protectThreshold).chosen);
  }
  return chosen;
}

function weightOf(e: DnsEndpoint): number {
  return e.status === 'passing' ? e.weights.passing : e.weights.warning;
}

function serviceRecords(q: Question, e: DnsEndpoint, domain: string): AnswerGroup[] {
  const type: string = q.type;
  if (type === 'SRV') {
    const target = e.kind === 'host' ? e.address : addrName(e.address, domain);
    const answer: Answer = { type: 'SRV', name: q.name, ttl: TTL, class: 'IN', data: { priority: 1, weight: weightOf(e), port: e.port, target } };
    return [{ answer, extras: e.kind === 'host' ? [] : [ipRecord(target, e.address, e.kind)], weight: weightOf(e) }];
  }
  const family = type === 'A' ? 4 : type === 'AAAA' ? 6 : type === 'ANY' ? e.kind : undefined;
  if (family === undefined) return [];
  // Consul's answer for an instance known by a host name: a CNAME to it, for any address type.
  if (e.kind === 'host') return [{ answer: { type: 'CNAME', name: q.name, ttl: TTL, class: 'IN', data: e.address }, extras: [], weight: weightOf(e) }];
  return e.kind === family ? [{ answer: ipRecord(q.name, e.address, e.kind), extras: [], weight: weightOf(e) }] : [];
}

function ipRecord(name: string, address: string, family: 4 | 6): Answer {
  return { type: family === 4 ? 'A' : 'AAAA', name, ttl: TTL, class: 'IN', data: address };
}

/** Consul's SOA for its domain: ns.<domain>, hostmaster.<domain>, the time as serial. */
export function soaRecord(domain: string): SoaAnswer {
  return {
    type: 'SOA',
    name: domain,
    ttl: TTL,
    class: 'IN',
    data: { mname: `ns.${domain}`, rname: `hostmaster.${domain}`, serial: Math.floor(Date.now() / 1000) >>> 0, refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
  };
}
