// The etcd3 npm client against a real etcd and Lodestone as one member and as three (or
// ETCD_ENDPOINTS): the same suite against each, then what each call answered compared.
import { ETCD3_CLIENT_SUITE, etcd3ClientSuite } from './etcd3-client-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets('etcd3-client');
runAgainstTargets('the etcd3 client', setup, new Transcripts(ETCD3_CLIENT_SUITE), etcd3ClientSuite);
