// The etcd3 npm client's leases, watchers, locks and elections against a real etcd and Lodestone as
// one member and as three (or ETCD_ENDPOINTS): the same suite against each, then what each step
// answered compared.
import { ETCD3_LEASES_SUITE, etcd3LeasesSuite } from './etcd3-leases-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

// Progress notifications often enough for a test to wait for one, on etcd and Lodestone alike.
const setup = useCompatTargets('etcd3-leases', [], { extraArgs: ['--experimental-watch-progress-notify-interval', '200ms'] });
runAgainstTargets('the etcd3 client’s leases, watchers, locks and elections', setup, new Transcripts(ETCD3_LEASES_SUITE), etcd3LeasesSuite);
