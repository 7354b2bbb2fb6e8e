// The member process on its own (what `lodestone member` runs): etcd's flags in, one member out.
import { runMember } from './member-process.js';

void runMember(process.argv.slice(2));
