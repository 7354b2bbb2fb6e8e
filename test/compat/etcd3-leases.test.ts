// The etcd3 npm client's leases, watchers, locks and elections against a real etcd and Lodestone as
// one member and as three (or ETCD_ENDPOINTS): the same suite against each, then what each step
// answered compared.
import { ETCD3_LEASES_SUITE, etcd3LeasesSuite } from './etcd3-leases-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets('etcd3-leases');
runAgainstTargets('the etcd3 client’s leases, watchers, locks and elections', setup, new Transcripts(ETCD3_LEASES_SUITE), etcd3LeasesSuite);
