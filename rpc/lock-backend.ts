// What the Lock and Election services need from a member. They are etcd's client recipes
// (clientv3/concurrency: Mutex, Election) run inside the server, as etcd's v3lock and v3election
// servers run them, so they need nothing beyond the KV, Watch and Lease interfaces.
import type { KvBackend } from './kv-backend.js';
import type { LeaseBackend } from './lease-backend.js';
import type { WatchBackend } from './watch-backend.js';

export interface ConcurrencyBackend {
  readonly kv: KvBackend;
  readonly watch: WatchBackend;
  readonly lease: LeaseBackend;
}
