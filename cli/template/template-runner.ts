// The rendering loop of `lodestone template`: subscribe to the namespaces, follow the services the
// template names, and render on every change (after the --wait window). Output that did not change
// is not written and runs nothing; output that did is staged beside the destination, checked by
// --check-command, renamed into place, and then --command runs. Each namespace's release is
// reported `applied` once it is in place, or `rejected` (with the check's output) when the check
// refused the file it rendered to.
import { ClientError } from '../../client/errors.js';
import type { ServiceInstance } from '../../client/discovered-instance.js';
import { TemplateError } from './errors.js';
import { Quiescence, type WaitWindow } from './quiescence.js';
import { runShell, type CommandResult } from './shell-command.js';
import type { ConfigSubscription, ServiceFeed, TemplateSources } from './sources.js';
import { readCurrent, stage } from './staged-file.js';
import { buildContext } from './template-context.js';
import { TemplateFile } from './template-file.js';

export interface TemplateRunOptions {
  readonly source: string;
  readonly dest: string;
  readonly command?: string;
  readonly checkCommand?: string;
  readonly wait?: WaitWindow;
  /** --config namespaces as given ("app", "app/env", "app/env/cluster"). */
  readonly configs: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly instance?: string;
  /** The subscriptions' local cache (their default when absent). */
  readonly cacheDir?: string;
  /** Services the template looks up by a computed name (--service). */
  readonly services: readonly string[];
  /** Where progress and failures are told (stderr). */
  readonly log: (line: string) => void;
  /** What the commands print (passed through). */
  readonly echo: (chunk: string) => void;
}

/** How one render ended. */
export type RenderOutcome = 'written' | 'unchanged' | 'rejected' | 'command-failed' | 'failed';

export class TemplateRunner {
  private readonly subscriptions: { readonly given: string; readonly sub: ConfigSubscription }[] = [];
  private readonly feeds = new Map<string, ServiceFeed>();
  /** The release of each namespace last recorded applied, and last recorded rejected. */
  private readonly applied = new Map<ConfigSubscription, number>();
  private readonly rejected = new Map<ConfigSubscription, number>();
  private quiescence: Quiescence | undefined;
  private running = false;
  private requested = false;
  private stopped = false;
  private lastContext: string | undefined;

  private constructor(
    private readonly template: TemplateFile,
    private readonly options: TemplateRunOptions,
  ) {}

  /** Loads the template and opens its sources; renders nothing yet. */
  static async open(sources: TemplateSources, options: TemplateRunOptions): Promise<TemplateRunner> {
    const template = await TemplateFile.load(options.source, options.services);
    const runner = new TemplateRunner(template, options);
    try {
      for (const given of options.configs) {
        const sub = await sources.subscribeConfig(given, {
          via: 'template',
          labels: options.labels,
          autoReport: false,
          ...(options.instance !== undefined ? { instance: options.instance } : {}),
          ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
        });
        runner.subscriptions.push({ given, sub });
      }
      for (const name of template.services) runner.feeds.set(name, await sources.discoverHealthy(name));
    } catch (e) {
      await runner.close();
      throw e;
    }
    return runner;
  }

  /** The services the template follows. */
  get services(): readonly string[] {
    return this.template.services;
  }

  /** Renders once, now. */
  async renderOnce(): Promise<RenderOutcome> {
    return this.render(true);
  }

  /** Renders now, then after every change (coalesced by --wait) until close(). */
  async follow(): Promise<void> {
    if (this.options.wait) this.quiescence = new Quiescence(this.options.wait, () => this.request());
    for (const { sub } of this.subscriptions) void this.listen(sub);
    for (const feed of this.feeds.values()) void this.listen(feed);
    this.request();
  }

  private async listen(source: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const _ of source) {
        if (this.stopped) return;
        if (this.quiescence) this.quiescence.poke();
        else this.request();
      }
    } catch (e) {
      if (!this.stopped) this.options.log(`template: a source stopped: ${(e as Error).message}`);
    }
  }

  private request(): void {
    this.requested = true;
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.requested && !this.stopped) {
        this.requested = false;
        await this.render(false);
      }
    } finally {
      this.running = false;
    }
  }

  private async render(force: boolean): Promise<RenderOutcome> {
    const { dest, log } = this.options;
    const services = new Map<string, ReadonlyMap<string, ServiceInstance>>();
    for (const [name, feed] of this.feeds) services.set(name, feed.instances);
    const what = this.describe(services);
    try {
      const context = buildContext(this.subscriptions.map(({ given, sub }) => ({ given, snapshot: sub.snapshot })), services);
      const signature = JSON.stringify(context);
      if (!force && signature === this.lastContext) return 'unchanged';
      this.lastContext = signature;
      const content = await this.template.render(context);
      if (content === (await readCurrent(dest))) {
        log(`template: ${dest} unchanged (${what})`);
        this.report('applied');
        return 'unchanged';
      }
      const staged = await stage(dest, content);
      if (this.options.checkCommand !== undefined) {
        const check = await runShell(this.options.checkCommand, { candidate: staged.path, dest }, this.options.echo);
        if (!check.ok) {
          await staged.discard();
          // Its output went by above; the applied record keeps it (the tail, when long).
          log(`template: ${dest} kept as it was: the check command failed (${check.exit}) [TEMPLATE_CHECK_FAILED] (${what})`);
          this.report('rejected', failure('check command', check));
          return 'rejected';
        }
      }
      await staged.commit();
      log(`template: ${dest} written (${what})`);
      if (this.options.command !== undefined) {
        const run = await runShell(this.options.command, { dest }, this.options.echo);
        if (!run.ok) {
          log(`template: ${dest} written, but the command failed (${run.exit}) [TEMPLATE_COMMAND_FAILED]`);
          this.report('rejected', failure('command', run));
          return 'command-failed';
        }
      }
      this.report('applied');
      return 'written';
    } catch (e) {
      const code = e instanceof TemplateError ? e.code : e instanceof ClientError ? e.code : 'TEMPLATE_WRITE';
      log(`template: ${(e as Error).message} [${code}] (${what})`);
      if (code === 'TEMPLATE_WRITE') {
        // Try again on the next change even with the same data: the failure was the disk's.
        this.lastContext = undefined;
      } else {
        // The release (an item that does not parse, a value the template's filters refuse) cannot be rendered.
        this.report('rejected', (e as Error).message);
      }
      return 'failed';
    }
  }

  private describe(services: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string {
    const parts = this.subscriptions.map(({ sub }) => `${sub.snapshot.namespace} release ${sub.snapshot.release}${sub.snapshot.fromCache ? ' from the cache' : ''}`);
    for (const [name, instances] of services) parts.push(`${name}: ${instances.size} healthy`);
    return parts.join(', ') || 'no sources';
  }

  /**
   * Records each namespace's release as applied, or as rejected — unless it was applied already: a
   * failure after a release is in place comes from the services, not from the release. The records
   * are written in the background (the subscription tries again until the cluster takes them), so
   * an unreachable cluster never holds up a render.
   */
  private report(state: 'applied' | 'rejected', reason?: string): void {
    for (const { sub } of this.subscriptions) {
      const release = sub.snapshot.release;
      if (release === 0 || this.applied.get(sub) === release) continue;
      if (state === 'rejected' && this.rejected.get(sub) === release) continue;
      (state === 'applied' ? this.applied : this.rejected).set(sub, release);
      sub.report(release, state, reason).catch((e: unknown) => {
        if (!this.stopped) this.options.log(`template: could not record release ${release} of ${sub.snapshot.namespace} as ${state}: ${(e as Error).message}`);
      });
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.quiescence?.cancel();
    await Promise.all([...this.subscriptions.map(({ sub }) => sub.close()), ...[...this.feeds.values()].map((f) => f.close())]);
  }
}

/** How much of a command's output a rejection record keeps: its end, where the error usually is. */
const REASON_OUTPUT_CHARS = 2000;

function failure(what: string, result: CommandResult): string {
  const output = result.output.length > REASON_OUTPUT_CHARS ? `…${result.output.slice(-REASON_OUTPUT_CHARS)}` : result.output;
  return `${what} failed (${result.exit})${output ? `: ${output}` : ''}`;
}
