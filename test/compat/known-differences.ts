// Where Lodestone is known to answer differently from etcd 3.4. Each entry turns the test of that
// name, against Lodestone only, into an expected failure (it.fails): the test still states etcd's
// behaviour; once Lodestone is fixed the test passes, it.fails reports that, and the entry goes.
// Keys: "<suite> > <test name>"; the comparison tests are "<suite> > same: <test name>". Suites
// that run against Lodestone only (test/cluster/lease-failover.test.ts) use the list the same way.
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'etcdctl-auth > a user without the root role compacts':
    'etcd 3.4 lets any client compact, even one with no user at all; Lodestone keeps compaction to root once auth is on (etcdserver: permission denied).',
  'etcdctl-auth > same: a user without the root role compacts': 'the same: etcd prints "compacted revision 1", Lodestone "Error: etcdserver: permission denied".',
};

export function knownDifference(suite: string, test: string): string | undefined {
  return KNOWN_DIFFERENCES[`${suite} > ${test}`];
}
