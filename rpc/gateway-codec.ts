// Between the gateway's JSON and the objects the gRPC service handlers take and return. A request
// is read from JSON into protobuf bytes, then through the same deserializer grpc-js uses, so the
// handler sees exactly what a gRPC call would give it; a response goes through the same serializer
// grpc-js uses, then from bytes to JSON. The wire form in between is also where size is checked.
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { EncodedResponse, ETCD_PROTO_FILES, ETCD_SERVICE_FULL_NAMES, etcdProtoRoot, etcdServiceDefinition, type EtcdServiceName } from './etcd-api.js';
import { decodeMessage } from './gateway-json-decode.js';
import { encodeMessage, type DecodedMessage } from './gateway-json-encode.js';
import type { JsonValue } from './gateway-json-syntax.js';

/** A request the gRPC server would have refused before its handler: the status it would send. */
export class RequestRejected extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
    this.name = 'RequestRejected';
  }
}

interface MethodCodec {
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly deserialize: (bytes: Buffer) => unknown;
  readonly serialize: (value: unknown) => Buffer;
}

let root: protobuf.Root | undefined;

/** etcd's .proto files for protobufjs, parsed once. */
function etcdRoot(): protobuf.Root {
  if (root === undefined) {
    const dir = etcdProtoRoot();
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => join(dir, target);
    r.loadSync([...ETCD_PROTO_FILES], { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

export class GatewayCodec {
  private readonly methods = new Map<string, MethodCodec>();

  /** `maxRequestBytes`: the largest request message the gRPC server takes (its receive limit). */
  constructor(private readonly maxRequestBytes: number) {}

  /** The handler's request for a JSON body (undefined: an empty body, an empty request). */
  request(service: EtcdServiceName, method: string, json: JsonValue | undefined): unknown {
    const m = this.codec(service, method);
    const bytes = Buffer.from(m.requestType.encode(json === undefined ? {} : decodeMessage(m.requestType, json)).finish());
    if (bytes.length > this.maxRequestBytes) {
      // What etcd's gRPC server (Go) says of a message over its limit.
      throw new RequestRejected(status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${bytes.length} vs. ${this.maxRequestBytes})`);
    }
    return m.deserialize(bytes);
  }

  /** The JSON of what a handler answered (an object, or wire bytes it encoded once for many calls). */
  response(service: EtcdServiceName, method: string, value: unknown): string {
    const m = this.codec(service, method);
    const bytes = value instanceof EncodedResponse ? value.bytes : m.serialize(value);
    return encodeMessage(m.responseType, m.responseType.decode(bytes) as DecodedMessage);
  }

  private codec(service: EtcdServiceName, method: string): MethodCodec {
    const key = `${service}/${method}`;
    let m = this.methods.get(key);
    if (m === undefined) {
      const rpc = etcdRoot().lookupService(ETCD_SERVICE_FULL_NAMES[service]).methods[method];
      const definition = (etcdServiceDefinition(service) as unknown as Record<string, { requestDeserialize(b: Buffer): unknown; responseSerialize(v: unknown): Buffer }>)[method];
      if (rpc === undefined || definition === undefined) throw new Error(`no method ${key} in the etcd API`);
      m = {
        requestType: rpc.resolvedRequestType!,
        responseType: rpc.resolvedResponseType!,
        deserialize: (b) => definition.requestDeserialize(b),
        serialize: (v) => definition.responseSerialize(v),
      };
      this.methods.set(key, m);
    }
    return m;
  }
}
