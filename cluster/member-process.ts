// The member process: etcd's flags in, one Member out; SIGTERM / SIGINT shut it down gracefully.
// `lodestone member` runs it (cli/member-command.ts), as does cluster/main.ts.
import { parseCommandLine, usage } from './flags.js';
import { Member } from './member.js';
import { MemberOptionsError } from './member-options.js';
import { version } from './version.js';

export interface MemberProcessOutput {
  /** Prints the member's help (its flags). */
  readonly help: () => void;
  /** Prints the version. */
  readonly version: () => void;
}

const PLAIN_OUTPUT: MemberProcessOutput = {
  help: () => console.log(usage()),
  version: () => console.log(`lodestone ${version()}`),
};

/** Runs a member from etcd's flags until a signal stops it; a bad flag exits 2, a failed start 1. */
export async function runMember(argv: readonly string[], output: MemberProcessOutput = PLAIN_OUTPUT): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof MemberOptionsError) {
      console.error(`lodestone: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    output.help();
    return;
  }
  if (parsed.version) {
    output.version();
    return;
  }
  let member: Member;
  try {
    member = await Member.start(parsed.options);
  } catch (e) {
    console.error(`lodestone: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    member.logger.info({ signal }, 'shutting down');
    member.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
