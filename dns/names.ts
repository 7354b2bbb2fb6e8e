// The names the DNS interface answers, under its domain (Consul's forms, so `consul.` as the domain
// makes it a drop-in):
//
//   [<tag>.]<service>.service[.<dc>].<domain>     a service's instances, optionally by tag
//   _<service>._<tag>.service[.<dc>].<domain>    RFC 2782 form; `_tcp` as the tag means any tag
//   <hex>.addr[.<dc>].<domain>                   an address, as SRV targets name it: 8 hex digits
//                                               for IPv4 (7f000001), 32 for IPv6
//
// <dc> is Consul's datacenter label; a Lodestone cluster is one datacenter, DATACENTER.
import { isIPv4, isIPv6 } from 'node:net';

/** The one datacenter label accepted, Consul's default name for its first. */
export const DATACENTER = 'dc1';

export type QueryName =
  /** Not under the domain: answered SERVFAIL, as Consul without recursors does. */
  | { readonly kind: 'outside' }
  /** The domain itself. */
  | { readonly kind: 'apex' }
  | { readonly kind: 'service'; readonly service: string; readonly tag: string | undefined }
  | { readonly kind: 'addr'; readonly address: string; readonly family: 4 | 6 }
  /** Under the domain but of no form above: NXDOMAIN. */
  | { readonly kind: 'unknown' };

/** "Consul." or "consul" → "consul": lower case, no leading or trailing dot. */
export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^\.+|\.+$/g, '');
}

/** Reads a query name (any case, with or without the final dot) against a normalized domain. */
export function parseQueryName(name: string, domain: string): QueryName {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n === domain) return { kind: 'apex' };
  if (!n.endsWith(`.${domain}`)) return { kind: 'outside' };
  const labels = n.slice(0, n.length - domain.length - 1).split('.');
  if (labels.length >= 2 && labels[labels.length - 1] === DATACENTER) labels.pop();
  const kind = labels.pop();
  if (kind === 'service') return serviceName(labels);
  if (kind === 'addr' && labels.length === 1) {
    const address = hexAddress(labels[0]!);
    if (address) return { kind: 'addr', ...address };
  }
  return { kind: 'unknown' };
}

function serviceName(labels: readonly string[]): QueryName {
  if (labels.some((l) => l.length === 0)) return { kind: 'unknown' };
  if (labels.length === 1) return { kind: 'service', service: labels[0]!, tag: undefined };
  if (labels.length !== 2) return { kind: 'unknown' };
  const [first, second] = labels as [string, string];
  if (first.startsWith('_') && second.startsWith('_') && first.length > 1 && second.length > 1) {
    const tag = second.slice(1);
    return { kind: 'service', service: first.slice(1), tag: tag === 'tcp' ? undefined : tag };
  }
  return { kind: 'service', service: second, tag: first };
}

function hexAddress(label: string): { readonly address: string; readonly family: 4 | 6 } | undefined {
  if (/^[0-9a-f]{8}$/.test(label)) {
    return { address: [0, 2, 4, 6].map((i) => parseInt(label.slice(i, i + 2), 16)).join('.'), family: 4 };
  }
  if (/^[0-9a-f]{32}$/.test(label)) {
    const groups = Array.from({ length: 8 }, (_, i) => label.slice(i * 4, i * 4 + 4));
    return { address: groups.join(':'), family: 6 };
  }
  return undefined;
}

/** The name under the domain that resolves to an IP address: the SRV target of an instance. */
export function addrName(address: string, domain: string): string {
  if (isIPv4(address)) {
    return `${address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('')}.addr.${domain}`;
  }
  return `${ipv6Hex(address)}.addr.${domain}`;
}

/** The 32 hex digits of an IPv6 address, "::" and an embedded IPv4 tail expanded. */
function ipv6Hex(address: string): string {
  let a = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    a = `${a.slice(0, a.length - v4[1]!.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const left = head.length > 0 ? head.split(':') : [];
  const right = tail !== undefined && tail.length > 0 ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => g.padStart(4, '0')).join('');
}

/** What an instance's address is to DNS: an IPv4 or IPv6 address, a host name, or nothing usable. */
export function addressKind(address: string): 4 | 6 | 'host' | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  // A host name: letters, digits, hyphens and underscores in dot-separated labels.
  if (/^(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i.test(address)) return 'host';
  return undefined;
}
