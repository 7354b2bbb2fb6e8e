// GET /v1/status/leader and /v1/status/peers: the cluster's Raft servers, which Consul's clients
// ask to know the cluster is up (Fabio waits for a leader before it reads the catalog). Consul
// answers with its servers' RPC addresses; here they are the members' peer addresses. Consul
// checks no token for these, nor does this.
import { sendJson, type ConsulRequest } from './consul-request.js';

export function statusLeader(r: ConsulRequest): Promise<void> {
  sendJson(r, r.source.servers().leader);
  return Promise.resolve();
}

export function statusPeers(r: ConsulRequest): Promise<void> {
  sendJson(r, r.source.servers().peers);
  return Promise.resolve();
}
