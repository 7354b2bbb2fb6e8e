// Consul's agent knows each service by its ID alone (deregister, maintenance): here IDs are kept
// unique across the cluster, so an ID names one instance whatever its service.
import type { RegistryView, ServiceInstance } from '../../registry/registry-view.js';

export function findInstanceById(view: RegistryView, id: string): ServiceInstance | undefined {
  for (const service of view.serviceNames()) {
    const found = view.get(service, id);
    if (found) return found;
  }
  return undefined;
}

/**
 * Waits (up to `timeoutMs`) for this member's view to have applied `revision`: a change made
 * through this member is then seen by the next read here, as it is on a Consul agent.
 */
export async function waitForView(view: RegistryView, revision: number, timeoutMs: number): Promise<void> {
  await view.waitFor(() => view.revision, revision - 1, timeoutMs);
}

/**
 * Finds an instance by ID, giving a registration made through another member a moment to reach
 * this member's view (the view follows the applied state, a little behind the leader).
 */
export async function awaitInstanceById(view: RegistryView, id: string, timeoutMs: number): Promise<ServiceInstance | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = findInstanceById(view, id);
    const left = deadline - Date.now();
    if (found || left <= 0) return found;
    const index = view.catalogIndex;
    await view.waitFor(() => view.catalogIndex, index, left);
  }
}
