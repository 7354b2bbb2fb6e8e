// etcdctl 3.4's lease, watch, lock and elect commands against a real etcd and Lodestone as one member
// and as three (or ETCD_ENDPOINTS): the same suite against each, then their outputs compared.
import { afterAll } from 'vitest';
import { stopAllEtcdctl } from './etcdctl-runner.js';
import { ETCDCTL_LEASES_SUITE, etcdctlLeasesSuite } from './etcdctl-leases-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets(ETCDCTL_LEASES_SUITE, ['etcdctl']);
// Whatever a failed test left running (a watch, a lock holder) goes before the servers do.
afterAll(stopAllEtcdctl);
runAgainstTargets('etcdctl leases, watch, lock and elect', setup, new Transcripts(ETCDCTL_LEASES_SUITE), etcdctlLeasesSuite);
