// Loads two definitions of the etcd API with protobufjs, for comparing them: ours (proto/etcd)
// and the one the etcd3 npm client ships and speaks with (node_modules/etcd3/proto).

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { ETCD_PROTO_FILES, etcdProtoRoot } from '../../rpc/etcd-api.js';

export const ETCD3_CLIENT_PROTO_DIR = join(
  dirname(createRequire(import.meta.url).resolve('etcd3/package.json')),
  'proto',
);

/** Our .proto files, imports resolved against proto/etcd as the loader does. */
export function loadOurRoot(): protobuf.Root {
  const includeDir = etcdProtoRoot();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(includeDir, target);
  root.loadSync([...ETCD_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  return root;
}

/** The etcd3 npm client's .proto files (rpc.proto imports kv.proto and auth.proto beside it). */
export function loadEtcd3ClientRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.loadSync(join(ETCD3_CLIENT_PROTO_DIR, 'rpc.proto'), { keepCase: true });
  root.resolveAll();
  return root;
}

/** Every message type, enum and service below a namespace, nested ones included. */
export function allDefinitions(namespace: protobuf.NamespaceBase): {
  types: protobuf.Type[];
  enums: protobuf.Enum[];
  services: protobuf.Service[];
} {
  const found = { types: [] as protobuf.Type[], enums: [] as protobuf.Enum[], services: [] as protobuf.Service[] };
  const visit = (node: protobuf.ReflectionObject): void => {
    if (node instanceof protobuf.Type) found.types.push(node);
    else if (node instanceof protobuf.Enum) found.enums.push(node);
    else if (node instanceof protobuf.Service) found.services.push(node);
    if (node instanceof protobuf.Namespace) node.nestedArray.forEach(visit);
  };
  namespace.nestedArray.forEach(visit);
  return found;
}
