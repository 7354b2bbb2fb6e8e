// etcdctl 3.4's user, role and auth commands, and what auth allows, against a real etcd and Lodestone
// as one member and as three: the same suite against each, then their outputs compared.
import { afterAll } from 'vitest';
import { ETCDCTL_AUTH_SUITE, etcdctlAuthSuite } from './etcdctl-auth-suite.js';
import { stopAllEtcdctl } from './etcdctl-runner.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets(ETCDCTL_AUTH_SUITE, ['etcdctl']);
runAgainstTargets('etcdctl auth', setup, new Transcripts(ETCDCTL_AUTH_SUITE), etcdctlAuthSuite);
afterAll(stopAllEtcdctl);
