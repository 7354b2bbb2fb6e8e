// What `lodestone service register` registers: an InstanceRecord from its flags (one check at most)
// or from a JSON file, checked by the registry's own validateInstance, so a bad field is refused
// with the name of the field before anything is written.
import { readFile } from 'node:fs/promises';
import type { InstanceRecord } from '../../registry/layout.js';
import { validateInstance } from '../../registry/records.js';
import { ServiceCommandError } from './connection.js';

export interface InstanceFlags {
  readonly file?: string;
  readonly address?: string;
  readonly port?: string;
  readonly tag: string[];
  readonly meta: string[];
  readonly weightPassing?: string;
  readonly weightWarning?: string;
  readonly checkHttp?: string;
  readonly checkMethod?: string;
  readonly checkTcp?: string;
  readonly checkGrpc?: string;
  readonly checkTtl?: number;
  readonly checkId?: string;
  readonly checkName?: string;
  readonly interval?: number;
  readonly timeout?: number;
  readonly deregisterCriticalAfter?: number;
  readonly successBeforePassing?: string;
  readonly failuresBeforeCritical?: string;
  readonly initialStatus?: string;
}

/** Flags that describe the record, refused alongside --file (the file is the whole record). */
const RECORD_FLAGS: readonly (keyof InstanceFlags)[] = [
  'address', 'port', 'weightPassing', 'weightWarning', 'checkHttp', 'checkMethod', 'checkTcp', 'checkGrpc', 'checkTtl',
  'checkId', 'checkName', 'interval', 'timeout', 'deregisterCriticalAfter', 'successBeforePassing', 'failuresBeforeCritical', 'initialStatus',
];

const CHECK_SETTINGS: readonly (keyof InstanceFlags)[] = [
  'checkMethod', 'checkId', 'checkName', 'interval', 'timeout', 'deregisterCriticalAfter', 'successBeforePassing', 'failuresBeforeCritical', 'initialStatus',
];

const kebab = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** An integer as a number; anything else as given, for validateInstance to name the field it is wrong in. */
function integer(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

export async function instanceFrom(service: string, id: string, flags: InstanceFlags): Promise<InstanceRecord> {
  if (flags.file !== undefined) {
    const extra = RECORD_FLAGS.filter((f) => flags[f] !== undefined).concat(flags.tag.length > 0 ? ['tag'] : [], flags.meta.length > 0 ? ['meta'] : []);
    if (extra.length > 0) throw new ServiceCommandError(`--file holds the whole instance: ${extra.map((f) => kebab(f)).join(', ')} cannot be given with it`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(flags.file, 'utf8'));
    } catch (e) {
      throw new ServiceCommandError(`cannot read ${flags.file} as JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    return validateInstance(parsed);
  }
  if (flags.address === undefined || flags.port === undefined) throw new ServiceCommandError('--address and --port are required (or --file with the whole instance)');
  const meta: Record<string, string> = {};
  for (const pair of flags.meta) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ServiceCommandError(`--meta takes key=value, not ${JSON.stringify(pair)}`);
    meta[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const check = checkFrom(service, id, flags);
  return validateInstance({
    address: flags.address,
    port: integer(flags.port),
    tags: flags.tag,
    meta,
    weights: { passing: integer(flags.weightPassing) ?? 1, warning: integer(flags.weightWarning) ?? 1 },
    checks: check ? [check] : [],
  });
}

/** The one check the flags describe, still to be validated; undefined when they describe none. */
function checkFrom(service: string, id: string, flags: InstanceFlags): Record<string, unknown> | undefined {
  const kinds = [
    flags.checkHttp !== undefined && { kind: 'http', http: flags.checkHttp, ...(flags.checkMethod !== undefined ? { method: flags.checkMethod } : {}) },
    flags.checkTcp !== undefined && { kind: 'tcp', tcp: flags.checkTcp },
    flags.checkGrpc !== undefined && { kind: 'grpc', grpc: flags.checkGrpc },
    flags.checkTtl !== undefined && { kind: 'ttl', ttlMs: flags.checkTtl },
  ].filter((k): k is Exclude<typeof k, false> => k !== false);
  if (kinds.length > 1) throw new ServiceCommandError('one check at most: --check-http, --check-tcp, --check-grpc or --check-ttl (several in --file)');
  const kind = kinds[0];
  if (!kind) {
    const stray = CHECK_SETTINGS.filter((f) => flags[f] !== undefined);
    if (stray.length > 0) throw new ServiceCommandError(`${stray.map((f) => kebab(f)).join(', ')} set a check: give one with --check-http, --check-tcp, --check-grpc or --check-ttl`);
    return undefined;
  }
  if (flags.checkMethod !== undefined && kind.kind !== 'http') throw new ServiceCommandError('--check-method is for --check-http');
  const optional = (field: string, value: unknown): Record<string, unknown> => (value === undefined ? {} : { [field]: value });
  return {
    // Consul's default check id, with the service so that two services' instance "1" do not share one.
    id: flags.checkId ?? `service:${service}:${id}`,
    ...optional('name', flags.checkName),
    ...kind,
    ...optional('intervalMs', flags.interval),
    ...optional('timeoutMs', flags.timeout),
    ...optional('deregisterCriticalAfterMs', flags.deregisterCriticalAfter),
    ...optional('successBeforePassing', integer(flags.successBeforePassing)),
    ...optional('failuresBeforeCritical', integer(flags.failuresBeforeCritical)),
    ...optional('initialStatus', flags.initialStatus),
  };
}
