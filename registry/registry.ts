// The member's service registry: its view of the registry keys (what DNS, Consul's HTTP API and the
// check runner read) and the transactions that change them.
import type { KvBackend } from '../rpc/kv-backend.js';
import type { WatchBackend } from '../rpc/watch-backend.js';
import { RegistryView } from './registry-view.js';
import { RegistryWriter, type HealthWrite } from './registry-writer.js';
import type { HealthStatus } from './layout.js';
import type { CallOptions } from '../rpc/call-options.js';

/**
 * How long a report for a check this member's view does not know waits for the view to change: a
 * registration just made through another member may not have reached it yet.
 */
const UNKNOWN_CHECK_WAIT_MS = 1000;

/** Restarts a TTL check's clock on a report (the member's check runner, registry/checks/). */
export interface TtlRenewer {
  renew(checkId: string, ttlMs: number): Promise<void>;
}

export class Registry {
  readonly view: RegistryView;
  readonly writer: RegistryWriter;
  /** Set while the member runs checks; without it a report only records the state. */
  ttlClock: TtlRenewer | undefined;

  constructor(backend: KvBackend & WatchBackend) {
    this.view = new RegistryView(backend, backend);
    this.writer = new RegistryWriter(backend);
  }

  /**
   * A check's result as the instance reports it (Consul's check pass, warn and fail; a TTL check's
   * report): recorded when it changes the check's state. 'no-check' when no instance has the check.
   */
  async report(checkId: string, status: HealthStatus, output: string, call?: CallOptions): Promise<HealthWrite | 'no-check'> {
    const deadline = Date.now() + UNKNOWN_CHECK_WAIT_MS;
    for (;;) {
      const found = this.view.findCheck(checkId);
      if (found) {
        const { service, id, createRevision, lease } = found.instance;
        // Every report restarts a TTL check's clock, even one that changes nothing (no raft write);
        // before the state, so an expiry racing this report cannot land after it.
        const ttlMs = found.check.definition?.ttlMs;
        const ttl = found.check.definition?.kind === 'ttl';
        if (this.ttlClock && ttl && ttlMs !== undefined) await this.ttlClock.renew(checkId, ttlMs);
        // A TTL check's steady reports (most of a registry's traffic at scale) end here, with no read
        // through raft: if the view is a moment behind a change, the next report, due within the
        // TTL, sets the state right.
        if (ttl && found.check.health?.status === status && found.check.health.output === output) return 'unchanged';
        // A TTL check's state is written over without a read first (the view's is guarded on); the
        // others' reports keep the read, so a view a moment behind never skips their write.
        const state = ttl ? { modRevision: found.check.modRevision, record: found.check.health } : undefined;
        return this.writer.setHealth(service, id, checkId, status, output, { createRevision, lease, ...(state ? { state } : {}) }, call);
      }
      const left = deadline - Date.now();
      if (left <= 0) return 'no-check';
      const index = this.view.registryIndex;
      await this.view.waitFor(() => this.view.registryIndex, index, left, call?.signal);
    }
  }

  start(): Promise<void> {
    return this.view.start();
  }

  close(): void {
    this.view.close();
  }
}
