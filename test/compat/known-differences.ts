// Where Lodestone is known to answer differently from etcd 3.4. Each entry turns the test of that
// name, against Lodestone only, into an expected failure (it.fails): the test still states etcd's
// behaviour; once Lodestone is fixed the test passes, it.fails reports that, and the entry goes.
// Keys: "<suite> > <test name>"; the comparison tests are "<suite> > same: <test name>". Suites
// that run against Lodestone only (test/cluster/lease-failover.test.ts) use the list the same way.
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'lease-failover > a keepalive of a kept lease is never answered TTL 0, through the leader or through a follower':
    'etcd: a follower forwards a keepalive to the leader and retries (no leader yet, the old one unreachable) until its ' +
    'request timeout, then ends the stream with an error; it answers TTL 0 only when the leader does not have the lease. ' +
    'Lodestone: when a follower\'s forwarding stream to the leader fails (the leader was killed, or the follower still ' +
    'names the dead leader), every keepalive waiting on it, and each one sent until a new leader is known, is answered ' +
    'TTL 0 (cluster/lease-manager.ts, closeForward) — and etcd\'s clients then give up a lease that is still alive.',
};

export function knownDifference(suite: string, test: string): string | undefined {
  return KNOWN_DIFFERENCES[`${suite} > ${test}`];
}
