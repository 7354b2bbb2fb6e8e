// Where Lodestone is known to answer differently from etcd 3.4. Each entry turns the test of that
// name, against Lodestone only, into an expected failure (it.fails): the test still states etcd's
// behaviour; once Lodestone is fixed the test passes, it.fails reports that, and the entry goes.
// Keys: "<suite> > <test name>"; the comparison tests are "<suite> > same: <test name>". Suites
// that run against Lodestone only (test/cluster/lease-failover.test.ts) use the list the same way.
export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  'etcdctl-leases > watch --rev with a negative revision replays no history: only what happens after the watch is created':
    'etcd 3.4 takes a negative start_revision as "from now": `etcdctl watch --prefix <dir> --rev=-1` prints only the ' +
    'events after the watch was created. Lodestone replays the whole history from revision 1 first ' +
    '(here the earlier "PUT <dir>old history"), then the new events.',
  'etcdctl-leases > same: watch --rev with a negative revision replays no history: only what happens after the watch is created':
    'as above: Lodestone\'s watch prints the history before the new event.',
};

export function knownDifference(suite: string, test: string): string | undefined {
  return KNOWN_DIFFERENCES[`${suite} > ${test}`];
}
