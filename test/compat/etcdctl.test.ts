// etcdctl 3.4 against a real etcd and Lodestone as one member and as three (or ETCD_ENDPOINTS): the
// same suite against each, then their outputs compared.
import { ETCDCTL_SUITE, etcdctlSuite } from './etcdctl-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets(ETCDCTL_SUITE, ['etcdctl']);
runAgainstTargets('etcdctl', setup, new Transcripts(ETCDCTL_SUITE), etcdctlSuite);
