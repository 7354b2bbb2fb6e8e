// `lodestone exec`: runs a program with its namespace's items as environment variables and keeps
// it on the release meant for this instance. A new release whose variables differ restarts it
// (SIGTERM, SIGKILL after the kill timeout, start again) or, with --signal, sends it that signal; a
// release that leaves its variables as they were does nothing to it. Each release it gave the
// program is recorded applied (via "exec"); one it could not run (the program would not start, or
// exited on its own with a non-zero status) is recorded rejected, with why, and the record is left
// to expire with exec's lease rather than removed, so the members see it (and abandon a gray release
// that made a program fail). Signals exec receives go to the program; exec exits with the program's
// status when it exits on its own.
import { constants } from 'node:os';
import type { Client } from '../../client/client.js';
import { subscribeConfig, type ConfigSubscription } from '../../client/config-center/subscription.js';
import type { ConnectionFlags } from '../service/connection.js';
import { Child, exitStatus } from './child.js';
import { configEnvironment, parseLabels, sameEnvironment, type EnvironmentOptions } from './environment.js';
import { execClient } from './exec-client.js';

export interface ExecFlags extends ConnectionFlags {
  readonly config: string;
  readonly labels?: string;
  readonly restart?: boolean;
  readonly signal?: string;
  readonly prefix?: string;
  readonly only?: string[];
  readonly splay: number;
  readonly killTimeout: number;
  readonly instance?: string;
  readonly cacheDir?: string;
  readonly service?: string;
  readonly serviceInstance?: string;
}

export class ExecError extends Error {
  override readonly name = 'ExecError';
}

/** The signals exec passes on to its program. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The status when the program could not be started (a shell's "command not found"). */
const NOT_STARTED = 127;

export function parseSignal(text: string): NodeJS.Signals {
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in constants.signals)) throw new ExecError(`not a signal: ${JSON.stringify(text)}`);
  return name;
}

function log(message: string): void {
  console.error(`lodestone exec: ${message}`);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Waits for a promise, at most `ms`: a record the cluster cannot take now must not hold up an exit. */
async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** Runs the program until it exits; resolves with the status exec should exit with. */
export async function runExec(argv: readonly string[], flags: ExecFlags): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new ExecError('no program to run: lodestone exec --config <ns> -- <command> [args…]');
  const reload = flags.signal !== undefined ? parseSignal(flags.signal) : undefined;
  if (reload && flags.restart) throw new ExecError('--restart and --signal exclude each other');
  const labels = flags.labels !== undefined ? parseLabels(flags.labels) : {};
  const envOptions: EnvironmentOptions = { ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}), ...(flags.only ? { only: flags.only } : {}) };

  const client = await execClient(flags, log);
  let sub: ConfigSubscription;
  try {
    sub = await subscribeConfig(client, flags.config, {
      labels,
      via: 'exec',
      autoReport: false,
      ...(flags.instance !== undefined ? { instance: flags.instance } : {}),
      ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
      ...(flags.service !== undefined ? { service: flags.service } : {}),
      ...(flags.serviceInstance !== undefined ? { serviceInstance: flags.serviceInstance } : {}),
    });
  } catch (e) {
    await client.close();
    throw e;
  }
  return new Supervisor(client, sub, command, args, flags, reload, envOptions).run();
}

/** How exec ends: the status it exits with, and the release it could not run, if any, and why. */
interface End {
  readonly code: number;
  readonly rejected?: { readonly release: number; readonly reason: string };
}

class Supervisor {
  private vars: Record<string, string> = {};
  private child: Child | undefined;
  private restarting = false;
  private finished = false;
  /** A stop signal that came while no program was running: it goes to the next one. */
  private pendingStop: NodeJS.Signals | undefined;
  private finish!: (end: End) => void;
  private readonly done = new Promise<End>((resolve) => (this.finish = resolve));
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  /** The release the program runs now (started with, or signalled for). */
  private release = 0;
  /** The last signal passed on to the program. */
  private forwarded: NodeJS.Signals | undefined;

  constructor(
    private readonly client: Client,
    private readonly sub: ConfigSubscription,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly flags: ExecFlags,
    private readonly reload: NodeJS.Signals | undefined,
    private readonly envOptions: EnvironmentOptions,
  ) {}

  private report(release: number, state: 'applied' | 'rejected', reason?: string): Promise<void> {
    if (release === 0) return Promise.resolve();
    const p = this.sub.report(release, state, reason);
    p.catch((e: unknown) => log(`release ${release} could not be recorded ${state}: ${message(e)}`));
    return p;
  }

  async run(): Promise<number> {
    const first = this.sub.snapshot;
    if (first.fromCache) log(`the cluster is unreachable: starting with release ${first.release} of ${first.namespace} from the cache file`);
    const started = await this.start(first.release, configEnvironment(first.items, this.envOptions));
    if (started) {
      for (const sig of FORWARDED) {
        const handler = (): void => this.received(sig);
        this.handlers.set(sig, handler);
        process.on(sig, handler);
      }
      void this.follow();
    }
    const { code, rejected } = await this.done;
    this.finished = true;
    for (const [sig, handler] of this.handlers) process.off(sig, handler);
    // A rejection stays recorded until the lease expires (the members act on it); otherwise the
    // record goes now.
    if (rejected) {
      log(`release ${rejected.release}: ${rejected.reason}`);
      await atMost(this.report(rejected.release, 'rejected', rejected.reason), 5000);
    } else await atMost(this.sub.close(), 5000);
    await this.client.close();
    return code;
  }

  /** Starts the program with the release's variables; false (recorded rejected, exec finishing) when it cannot. */
  private async start(release: number, vars: Record<string, string>): Promise<boolean> {
    try {
      const child = await Child.start(this.command, this.args, { ...process.env, ...vars });
      this.child = child;
      this.vars = vars;
      this.release = release;
      void child.exited.then((exit) => {
        if (child !== this.child || this.restarting) return;
        const code = exitStatus(exit);
        log(`${this.command} exited with status ${code}`);
        // After a signal exec passed on (a stop asked for), however it ends is not the release's fault.
        const asked = this.forwarded !== undefined;
        const running = this.release;
        this.finish(code === 0 || asked || running === 0 ? { code } : { code, rejected: { release: running, reason: `${this.command} exited with status ${code} running release ${running}` } });
      });
      if (this.pendingStop) child.signal(this.pendingStop);
      log(`started ${this.command} (pid ${child.pid}) with release ${release}`);
      void this.report(release, 'applied');
      return true;
    } catch (e) {
      this.finish({ code: NOT_STARTED, rejected: { release, reason: `could not start ${this.command}: ${message(e)}` } });
      return false;
    }
  }

  private received(sig: NodeJS.Signals): void {
    if (sig === this.reload) {
      log(`${sig} is the reload signal: not passed on`);
      return;
    }
    this.forwarded = sig;
    if (this.child && !this.restarting) this.child.signal(sig);
    else if (sig !== 'SIGHUP' && sig !== 'SIGUSR1' && sig !== 'SIGUSR2') this.pendingStop = sig;
  }

  /** Each new release meant for this instance, one at a time. */
  private async follow(): Promise<void> {
    const it = this.sub[Symbol.asyncIterator]();
    await it.next(); // the release the program started with
    for (;;) {
      const r = await it.next();
      if (r.done || this.finished) return;
      if (this.flags.splay > 0) await new Promise((w) => setTimeout(w, Math.random() * this.flags.splay));
      if (this.finished) return;
      // The latest release: others may have come during the splay.
      const snapshot = this.sub.snapshot;
      const vars = configEnvironment(snapshot.items, this.envOptions);
      if (sameEnvironment(vars, this.vars)) {
        log(`release ${snapshot.release} leaves the program's environment as it is: nothing to do`);
        this.release = snapshot.release;
        void this.report(snapshot.release, 'applied');
        continue;
      }
      if (this.reload) {
        log(`release ${snapshot.release}: sending ${this.reload} to ${this.command}`);
        this.child?.signal(this.reload);
        this.vars = vars;
        this.release = snapshot.release;
        void this.report(snapshot.release, 'applied');
        continue;
      }
      log(`release ${snapshot.release}: restarting ${this.command}`);
      this.restarting = true;
      await this.child?.stop(this.flags.killTimeout);
      if (this.finished) return;
      this.restarting = false;
      if (!(await this.start(snapshot.release, vars))) return;
    }
  }
}
