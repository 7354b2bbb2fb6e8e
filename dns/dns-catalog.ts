// What DNS reads of the member's registry view, kept ready: each service's instances as DNS needs
// them (address kind, port, tags, weights, health), rebuilt only when the view says the service
// changed, so a query costs no JSON decoding. Service names and tags match in any case, as DNS
// names do.
import type { InstanceWeights, HealthStatus, ServiceSettings } from '../registry/layout.js';
import type { RegistryView } from '../registry/registry-view.js';
import { addressKind } from './names.js';

export interface DnsEndpoint {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly kind: 4 | 6 | 'host';
  readonly port: number;
  /** Lower case. */
  readonly tags: ReadonlySet<string>;
  readonly weights: InstanceWeights;
  readonly status: HealthStatus;
}

export interface DnsService {
  /** Its instances with an address DNS can give, sorted by id. */
  readonly endpoints: readonly DnsEndpoint[];
  readonly settings: ServiceSettings;
}

export class DnsCatalog {
  /** Lower-case name → the registry's names (usually one). */
  private names: Map<string, string[]> | undefined;
  private readonly services = new Map<string, DnsService>();
  /** Lower-case name → the generation that last changed a service of that name. */
  private readonly changedAt = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private changes = 0;

  constructor(private readonly view: RegistryView) {
    this.unsubscribe = view.onChange((changed) => {
      this.changes++;
      for (const s of changed) {
        this.services.delete(s);
        const lower = s.toLowerCase();
        this.changedAt.set(lower, this.changes);
        // The names only change when a service gains its first instance or loses its last.
        const listed = this.names?.get(lower)?.includes(s) ?? false;
        if (listed !== view.hasInstances(s)) this.names = undefined;
      }
    });
  }

  /** Goes up whenever the registry changes. */
  get generation(): number {
    return this.changes;
  }

  /**
   * The generation that last changed what a DNS label names (case-insensitively): an answer for it
   * derived at this generation or later is current. A change to one service leaves the others'.
   */
  changedSince(label: string): number {
    return this.changedAt.get(label) ?? 0;
  }

  close(): void {
    this.unsubscribe();
  }

  /** The services a DNS label names (case-insensitively); empty when none has instances. */
  lookup(label: string): DnsService[] {
    if (!this.names) {
      this.names = new Map();
      for (const name of this.view.serviceNames()) {
        const lower = name.toLowerCase();
        const list = this.names.get(lower);
        if (list) list.push(name);
        else this.names.set(lower, [name]);
      }
    }
    return (this.names.get(label) ?? []).map((name) => this.service(name));
  }

  private service(name: string): DnsService {
    let s = this.services.get(name);
    if (!s) {
      const endpoints: DnsEndpoint[] = [];
      for (const inst of this.view.instances(name)) {
        const kind = addressKind(inst.record.address);
        if (kind === undefined) continue;
        endpoints.push({
          service: name,
          id: inst.id,
          address: inst.record.address.replace(/\.$/, ''),
          kind,
          port: inst.record.port,
          tags: new Set(inst.record.tags.map((t) => t.toLowerCase())),
          weights: inst.record.weights,
          status: inst.status,
        });
      }
      s = { endpoints, settings: this.view.settings(name) };
      this.services.set(name, s);
    }
    return s;
  }
}
