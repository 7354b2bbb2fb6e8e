// The first short CI fault run again, on a cluster with mutual TLS everywhere: a throwaway CA, https
// client and peer URLs, members started with --client-cert-auth and --peer-client-cert-auth, and the
// key-value clients, the watch streams, the nemesis's calls and the readiness probes all dialing
// with a client certificate. Members killed with SIGKILL come back on the same certificates, peers
// reconnect over TLS after partitions heal, and the histories must check as they do in plaintext:
// linearizable, no acknowledged write lost, every watch exactly the committed events of its keys.
// By hand: npm run jepsen -- --tls.
import { describe, expect, it } from 'vitest';
import { KILL_PARTITION, scenario } from './ci-scenario.js';

describe('Lodestone under faults with mutual TLS (short run)', () => {
  it('kill -9 of the leader or a random member, and partitions, on a 3-member mTLS cluster; watchers beside the clients', async () => {
    const summary = await scenario('mtls-kill-partition', { ...KILL_PARTITION, tls: true });
    expect(summary.tls).toBe(true);
  }, 180_000);
});
