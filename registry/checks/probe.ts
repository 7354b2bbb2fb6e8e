// One run of a check that the member runs itself (HTTP, TCP, gRPC); a TTL check is not probed, its
// instance reports in (see ttl-clock.ts).
import type { CheckDefinition } from '../layout.js';
import type { ProbeResult } from './damping.js';
import { probeGrpc } from './probe-grpc.js';
import { probeHttp } from './probe-http.js';
import { probeTcp } from './probe-tcp.js';

export function isProbed(check: CheckDefinition): boolean {
  return check.kind !== 'ttl';
}

export function probe(check: CheckDefinition): Promise<ProbeResult> {
  switch (check.kind) {
    case 'http':
      return probeHttp(check.http ?? '', check.method ?? 'GET', check.timeoutMs);
    case 'tcp':
      return probeTcp(check.tcp ?? '', check.timeoutMs);
    case 'grpc':
      return probeGrpc(check.grpc ?? '', check.timeoutMs);
    case 'ttl':
      return Promise.resolve({ status: 'critical', output: 'a TTL check is reported on, not probed' });
  }
}
