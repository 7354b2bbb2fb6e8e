// The member process: etcd's flags in, one Member out; SIGTERM / SIGINT shut it down gracefully.
import { parseCommandLine, usage } from './flags.js';
import { Member } from './member.js';
import { MemberOptionsError } from './member-options.js';
import { version } from './version.js';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (e) {
    if (e instanceof MemberOptionsError) {
      console.error(`lodestone: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    console.log(usage());
    return;
  }
  if (parsed.version) {
    console.log(`lodestone ${version()}`);
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

void main();
