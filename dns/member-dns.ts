// A member's DNS interface: its listeners answering from its registry view (no round trip to the
// leader — the view follows what this member has applied, as a Consul server's default reads do).
import type { Logger } from 'pino';
import type { RegistryView } from '../registry/registry-view.js';
import { DnsCatalog } from './dns-catalog.js';
import { DnsServer } from './dns-server.js';
import { parseDnsAddress } from './listen-address.js';
import { normalizeDomain } from './names.js';
import { DnsResponder } from './responder.js';

export interface DnsOptions {
  /** --listen-dns-urls: "host:port" each, served over UDP and TCP; none: no DNS. */
  readonly listenDnsUrls: readonly string[];
  /** --dns-domain: the domain answered, "lodestone." by default ("consul." answers as Consul does). */
  readonly dnsDomain: string;
  /** --dns-only-passing: answer passing instances only (true), or warning ones too. */
  readonly dnsOnlyPassing: boolean;
}

export const DNS_DEFAULTS: DnsOptions = { listenDnsUrls: [], dnsDomain: 'lodestone.', dnsOnlyPassing: true };

export class MemberDns {
  private constructor(
    private readonly server: DnsServer,
    private readonly catalog: DnsCatalog,
  ) {}

  /** Starts the listeners; undefined when no address is given. */
  static async start(options: DnsOptions, view: RegistryView, logger: Logger): Promise<MemberDns | undefined> {
    if (options.listenDnsUrls.length === 0) return undefined;
    const addresses = options.listenDnsUrls.map(parseDnsAddress);
    const settings = { domain: normalizeDomain(options.dnsDomain), onlyPassing: options.dnsOnlyPassing };
    const catalog = new DnsCatalog(view);
    try {
      const responder = new DnsResponder(catalog, settings);
      const server = await DnsServer.listen(addresses, (q) => responder.answer(q), logger);
      return new MemberDns(server, catalog);
    } catch (e) {
      catalog.close();
      throw e;
    }
  }

  get ports(): readonly number[] {
    return this.server.ports;
  }

  async close(): Promise<void> {
    this.catalog.close();
    await this.server.close();
  }
}

/** The checks made at start, with the flags' names. */
export function validateDnsOptions(o: DnsOptions): void {
  for (const u of o.listenDnsUrls) parseDnsAddress(u);
  if (normalizeDomain(o.dnsDomain).length === 0) throw new Error('--dns-domain must name a domain (e.g. lodestone. or consul.)');
}
