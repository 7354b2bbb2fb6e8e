// Bad input against a real etcd and Lodestone as one member and as three (or ETCD_ENDPOINTS): each
// gets etcd's error, and every member keeps serving other clients.
import { BAD_INPUT_SUITE, badInputSuite } from './bad-input-suite.js';
import { runAgainstTargets } from './suite.js';
import { useCompatTargets } from './targets.js';
import { Transcripts } from './transcript.js';

const setup = useCompatTargets('bad-input');
runAgainstTargets('bad input', setup, new Transcripts(BAD_INPUT_SUITE), badInputSuite);
