// A gRPC check: grpc.health.v1.Health/Check on "host:port[/service]"; SERVING is passing, any other
// answer or error — or none within the timeout — critical. The two messages are one field each, so
// they are encoded here rather than loaded from a .proto.
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import type { ProbeResult } from './damping.js';

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** HealthCheckRequest { string service = 1; } */
function encodeRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  if (name.length === 0) return Buffer.alloc(0);
  const length: number[] = [];
  for (let n = name.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x0a, ...length]), name]);
}

/** HealthCheckResponse { ServingStatus status = 1; }: the status number (0 when absent). */
function decodeResponse(bytes: Buffer): number {
  let status = 0;
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; i < bytes.length; shift += 7) {
      const b = bytes[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    return value;
  };
  while (i < bytes.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (tag >>> 3 === 1) status = v;
    } else if (wire === 2) i += varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else break;
  }
  return status;
}

/** "host:port/service" → the address and the service name ("" asks for the whole server). */
export function splitGrpcTarget(target: string): { readonly address: string; readonly service: string } {
  const slash = target.indexOf('/');
  return slash < 0 ? { address: target, service: '' } : { address: target.slice(0, slash), service: target.slice(slash + 1) };
}

export function probeGrpc(target: string, timeoutMs: number): Promise<ProbeResult> {
  const what = `gRPC ${target}`;
  const { address, service } = splitGrpcTarget(target);
  return new Promise((resolve) => {
    let client: Client;
    try {
      client = new Client(address, credentials.createInsecure());
    } catch (e) {
      resolve({ status: 'critical', output: `${what}: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (req: { readonly service: string }) => encodeRequest(req.service),
      (bytes: Buffer) => decodeResponse(bytes),
      { service },
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, status?: number) => {
        client.close();
        if (err) resolve({ status: 'critical', output: `${what}: ${err.details || err.message}` });
        else {
          const name = SERVING_STATUS[status ?? 0] ?? String(status);
          resolve({ status: name === 'SERVING' ? 'passing' : 'critical', output: `${what}: ${name}` });
        }
      },
    );
  });
}
