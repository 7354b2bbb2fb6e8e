// Running --check-command and --command: through `sh -c`, as consul-template runs its commands.
// The check command finds the rendered candidate as {{candidate}} in its text (replaced by the
// path, shell-quoted) and in $LODESTONE_TEMPLATE_CANDIDATE; both commands find the destination as
// {{dest}} and $LODESTONE_TEMPLATE_DEST. A command's end is its process's exit, not the close of
// its output: a reload that leaves a daemon behind (haproxy -D) may keep the output open.
import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly ok: boolean;
  /** The exit code, or the signal that ended it. */
  readonly exit: string;
  /** What it printed (stdout and stderr, interleaved), trimmed. */
  readonly output: string;
}

export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function expandCommand(command: string, paths: { readonly candidate?: string; readonly dest: string }): string {
  let out = command.replaceAll('{{dest}}', shellQuote(paths.dest));
  if (paths.candidate !== undefined) out = out.replaceAll('{{candidate}}', shellQuote(paths.candidate));
  return out;
}

export function runShell(command: string, paths: { readonly candidate?: string; readonly dest: string }, echo: (chunk: string) => void): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LODESTONE_TEMPLATE_DEST: paths.dest };
  if (paths.candidate !== undefined) env.LODESTONE_TEMPLATE_CANDIDATE = paths.candidate;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', expandCommand(command, paths)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (b: Buffer): void => {
      const text = b.toString();
      output += text;
      echo(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (e) => resolve({ ok: false, exit: e.message, output: output.trim() }));
    child.once('exit', (code, signal) => {
      // Give what is already in the pipes a moment to arrive, then let go of them.
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ ok: code === 0, exit: signal ?? `exit code ${code}`, output: output.trim() });
      });
    });
  });
}
