// The etcd v3 API for grpc-js: loads proto/etcd once and gives typed service definitions to
// servers and typed clients to tests. The message types live in the etcd-api-*-types.ts files and
// are re-exported here, so service code imports everything etcd-shaped from this one module.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  credentials as grpcCredentials,
  makeClientConstructor,
  type ChannelCredentials,
  type ClientOptions,
  type MethodDefinition,
  type Server,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import {
  ETCD_METHOD_KINDS,
  ETCD_SERVICE_FULL_NAMES,
  type EtcdServiceName,
  type MethodKind,
  type ServiceClient,
  type ServiceHandlers,
} from './etcd-api-methods.js';

export type * from './etcd-api-auth-types.js';
export type * from './etcd-api-cluster-types.js';
export type * from './etcd-api-common-types.js';
export type * from './etcd-api-concurrency-types.js';
export type * from './etcd-api-kv-types.js';
export type * from './etcd-api-lease-types.js';
export type * from './etcd-api-maintenance-types.js';
export type * from './etcd-api-watch-types.js';
export {
  ETCD_METHOD_KINDS,
  ETCD_SERVICE_FULL_NAMES,
  type EtcdServiceName,
  type EtcdServices,
  type MethodKind,
  type ServiceClient,
  type ServiceHandlers,
} from './etcd-api-methods.js';

/**
 * How messages are turned into JavaScript objects, both ways. The message types of this module
 * describe objects shaped by exactly these options.
 */
export const ETCD_LOADER_OPTIONS = Object.freeze({
  // etcd's own field names (range_end, prev_kv, cluster_id): the names of etcd's docs and JSON.
  keepCase: true,
  // Lease and member ids use all 64 bits; a JavaScript number would silently round them.
  longs: String,
  // Enum names ('ASCEND', 'PUT') read better than numbers; unnamed values still arrive as numbers.
  enums: String,
  // Keys and values are arbitrary bytes.
  bytes: Buffer,
  // Every field present on arrival, so handlers need no `?? default` for what proto3 omits.
  defaults: true,
  // A oneof names its set member (RequestOp.request === 'request_put'): a discriminated union.
  oneofs: true,
}) satisfies Options;

/** The .proto files that define the services, relative to the proto root. */
export const ETCD_PROTO_FILES: readonly string[] = [
  'etcdserverpb/rpc.proto',
  'v3lockpb/v3lock.proto',
  'v3electionpb/v3election.proto',
];

/** The .proto files do not agree with the method tables of etcd-api-methods.ts, or are missing. */
export class EtcdApiDefinitionError extends Error {
  readonly code = 'ETCD_API_DEFINITION';
  constructor(message: string) {
    super(message);
    this.name = 'EtcdApiDefinitionError';
  }
}

/**
 * The folder that holds etcdserverpb/, mvccpb/, ... It is found by walking up from this module,
 * which works both from the sources (rpc/) and from a build (dist/rpc/).
 */
export function etcdProtoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 4; level++) {
    const candidate = join(dir, 'proto', 'etcd');
    if (existsSync(join(candidate, 'etcdserverpb', 'rpc.proto'))) return candidate;
    dir = dirname(dir);
  }
  throw new EtcdApiDefinitionError('cannot find proto/etcd above ' + fileURLToPath(import.meta.url));
}

let loaded: PackageDefinition | undefined;

/** The parsed etcd API; parsed on first use, then shared. */
export function etcdPackageDefinition(): PackageDefinition {
  if (loaded === undefined) {
    const definition = loadSync([...ETCD_PROTO_FILES], { ...ETCD_LOADER_OPTIONS, includeDirs: [etcdProtoRoot()] });
    checkMethodTables(definition);
    loaded = definition;
  }
  return loaded;
}

/** What server.addService takes for one etcd service. */
export type EtcdServiceDefinition<Name extends EtcdServiceName> = ServiceDefinition<ServiceHandlers<Name>>;

export function etcdServiceDefinition<Name extends EtcdServiceName>(name: Name): EtcdServiceDefinition<Name> {
  // checkMethodTables has verified that this definition has exactly the methods of the table.
  return etcdPackageDefinition()[ETCD_SERVICE_FULL_NAMES[name]] as unknown as EtcdServiceDefinition<Name>;
}

/**
 * A response already in wire bytes: encoded once and sent to many calls (a watch event to every
 * watcher of its key). A server registered with addEtcdService sends it as it is.
 */
export class EncodedResponse {
  constructor(readonly bytes: Buffer) {}
}

/** Registers one etcd service on a grpc-js server, with a handler for each of its RPCs. */
export function addEtcdService<Name extends EtcdServiceName>(
  server: Server,
  name: Name,
  handlers: ServiceHandlers<Name>,
): void {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [method, d] of Object.entries(etcdServiceDefinition(name) as Record<string, MethodDefinition<unknown, unknown>>)) {
    const serialize = d.responseSerialize;
    definition[method] = { ...d, responseSerialize: (value) => (value instanceof EncodedResponse ? value.bytes : serialize(value)) };
  }
  server.addService(definition as unknown as EtcdServiceDefinition<Name>, handlers);
}

const clientConstructors = new Map<EtcdServiceName, ServiceClientConstructor>();

export interface EtcdClientOptions {
  /** Defaults to an insecure (plain-text) channel. */
  credentials?: ChannelCredentials;
  channelOptions?: ClientOptions;
}

/** A grpc-js client of one etcd service at `address` ("host:port"). */
export function createEtcdClient<Name extends EtcdServiceName>(
  name: Name,
  address: string,
  options: EtcdClientOptions = {},
): ServiceClient<Name> {
  let Constructor = clientConstructors.get(name);
  if (Constructor === undefined) {
    Constructor = makeClientConstructor(etcdServiceDefinition(name), ETCD_SERVICE_FULL_NAMES[name]);
    clientConstructors.set(name, Constructor);
  }
  const client = new Constructor(
    address,
    options.credentials ?? grpcCredentials.createInsecure(),
    // Channelz's per-call bookkeeping costs every request, and nothing here reads it.
    { 'grpc.enable_channelz': 0, ...options.channelOptions },
  );
  // The constructor adds one method per RPC of the checked definition: the shape ServiceClient names.
  return client as unknown as ServiceClient<Name>;
}

function checkMethodTables(definition: PackageDefinition): void {
  for (const name of Object.keys(ETCD_METHOD_KINDS) as EtcdServiceName[]) {
    const fullName = ETCD_SERVICE_FULL_NAMES[name];
    const service = definition[fullName];
    if (service === undefined || 'format' in service) {
      throw new EtcdApiDefinitionError(`service ${fullName} is not defined by the .proto files`);
    }
    const expected: Readonly<Record<string, MethodKind>> = ETCD_METHOD_KINDS[name];
    const declared = Object.keys(service).sort();
    const tabled = Object.keys(expected).sort();
    if (declared.join() !== tabled.join()) {
      throw new EtcdApiDefinitionError(
        `${fullName} declares [${declared.join(', ')}], the table [${tabled.join(', ')}]`,
      );
    }
    for (const method of declared) {
      const kind = methodKind(service[method] as MethodDefinition<unknown, unknown>);
      if (kind !== expected[method]) {
        throw new EtcdApiDefinitionError(
          `${fullName}/${method} is ${kind} in the .proto, ${expected[method]} in the table`,
        );
      }
    }
  }
}

function methodKind(method: MethodDefinition<unknown, unknown>): MethodKind | 'client-streaming' {
  if (method.requestStream) return method.responseStream ? 'bidi-streaming' : 'client-streaming';
  return method.responseStream ? 'server-streaming' : 'unary';
}
