// What each `lodestone service` subcommand does once its flags are parsed: connect, read or write
// the registry, print in the format asked, and close. Failures reach the user as one line
// "Error: …" on stderr and exit status 1 (see runAction).
import { prefixEnd } from '../../store/mvcc/key-bytes.js';
import { CONSUMERS_PREFIX, instanceKey } from '../../registry/layout.js';
import { openConnection, ServiceCommandError, type ConnectionFlags, type RegistryConnection } from './connection.js';
import { cyclesOf, dependencyTree, edgesOf, edgeTable } from './dependency-graph.js';
import { instanceFrom, type InstanceFlags } from './instance-flags.js';
import { json, type OutputFormat } from './output.js';
import { instanceJson, instanceTables, summaries, summaryTable } from './service-listing.js';
import { changeLine, followChanges } from './watch-changes.js';

export interface OutputFlags extends ConnectionFlags {
  readonly writeOut: OutputFormat;
}

const encoder = new TextEncoder();

/** Runs an action: its error, whatever it is, becomes one line on stderr and exit status 1. */
export async function runAction(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (e) {
    console.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}

async function withConnection<T>(flags: ConnectionFlags, use: (c: RegistryConnection) => Promise<T>): Promise<T> {
  const connection = await openConnection(flags);
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

export async function register(service: string, id: string, flags: OutputFlags & InstanceFlags): Promise<void> {
  // Checked before connecting: a bad field is refused even with no cluster to send it to.
  instanceKey(service, id);
  const record = await instanceFrom(service, id, flags);
  const { revision } = await withConnection(flags, (c) => c.writer.register(service, id, record));
  if (flags.writeOut === 'json') console.log(json({ service, id, revision, persistent: true, record }));
  else console.log(`registered ${service}/${id} (persistent: it stays until deregistered) at revision ${revision}`);
}

export async function deregister(service: string, id: string, flags: OutputFlags): Promise<void> {
  instanceKey(service, id);
  const removed = await withConnection(flags, (c) => c.writer.deregister(service, id));
  if (!removed) throw new ServiceCommandError(`no instance ${service}/${id} is registered`);
  if (flags.writeOut === 'json') console.log(json({ service, id, deregistered: true }));
  else console.log(`deregistered ${service}/${id}`);
}

export async function list(flags: OutputFlags): Promise<void> {
  const rows = await withConnection(flags, async (c) => summaries(await c.view(() => undefined)));
  console.log(flags.writeOut === 'json' ? json(rows) : summaryTable(rows));
}

export async function get(service: string, flags: OutputFlags): Promise<void> {
  instanceKey(service, 'any');
  const instances = await withConnection(flags, async (c) => (await c.view(() => undefined)).instances(service).map(instanceJson));
  if (instances.length === 0) throw new ServiceCommandError(`service ${JSON.stringify(service)} has no instances`);
  console.log(flags.writeOut === 'json' ? json(instances) : instanceTables(instances));
}

/** Prints changes until Ctrl-C (or SIGTERM), then closes and exits 0. */
export async function watch(service: string | undefined, flags: OutputFlags): Promise<void> {
  if (service !== undefined) instanceKey(service, 'any');
  const connection = await openConnection(flags);
  let failed: ((e: Error) => void) | undefined;
  const failure = new Promise<never>((_resolve, reject) => (failed = reject));
  try {
    const view = await connection.view((e) => failed?.(e));
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const unsubscribe = followChanges(view, service, (c) => console.log(flags.writeOut === 'json' ? json({ ...c, time: new Date().toISOString() }) : changeLine(c, new Date())));
    console.error(`watching ${service ?? 'every service'} from revision ${view.revision} (Ctrl-C to stop)`);
    await Promise.race([stop, failure]);
    unsubscribe();
  } finally {
    await connection.close();
  }
}

export async function deps(flags: OutputFlags): Promise<void> {
  const prefix = encoder.encode(CONSUMERS_PREFIX);
  const read = await withConnection(flags, (c) => c.kv.range({ key: prefix, rangeEnd: prefixEnd(prefix) }, false));
  const edges = edgesOf(read.kvs);
  if (flags.writeOut === 'json') {
    console.log(json({ revision: read.revision, edges, cycles: cyclesOf(edges) }));
    return;
  }
  if (edges.length === 0) {
    console.log('no consumers recorded (a process that discovers a service records itself under /lodestone/consumers/)');
    return;
  }
  console.log(`${edgeTable(edges)}\n\n${dependencyTree(edges)}`);
}
