// How etcd's gateway (grpc-gateway 1.x) reports a gRPC status over HTTP: the HTTP status it maps the
// code to, and the JSON bodies — {"error","message","code"} for a call, {"error":{…}} in a stream.
import { STATUS_CODES } from 'node:http';
import { status } from '@grpc/grpc-js';
import { goJsonString } from './gateway-json-encode.js';

/** A gRPC status as the gateway passes it on. */
export interface GatewayStatus {
  readonly code: number;
  readonly details: string;
}

const HTTP_BY_CODE: Readonly<Partial<Record<number, number>>> = {
  [status.OK]: 200,
  [status.CANCELLED]: 408,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 412,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

/** grpc-gateway's HTTPStatusFromCode. */
export function httpStatusOf(code: number): number {
  return HTTP_BY_CODE[code] ?? 500;
}

/** The status a handler's error stands for (what grpc-js would send for it). */
export function statusOf(error: unknown): GatewayStatus {
  if (typeof error === 'object' && error !== null) {
    const { code, details, message } = error as { code?: unknown; details?: unknown; message?: unknown };
    const text = typeof details === 'string' ? details : typeof message === 'string' ? message : '';
    if (typeof code === 'number' && Number.isInteger(code)) return { code, details: text };
    return { code: status.UNKNOWN, details: text };
  }
  return { code: status.UNKNOWN, details: String(error) };
}

/** A failed call's body; zero values are left out, as jsonpb leaves them. */
export function errorBody(s: GatewayStatus): string {
  const parts: string[] = [];
  if (s.details !== '') parts.push(`"error":${goJsonString(s.details)}`, `"message":${goJsonString(s.details)}`);
  if (s.code !== 0) parts.push(`"code":${s.code}`);
  return `{${parts.join(',')}}`;
}

/** The chunk a stream ends with when its call fails. */
export function streamErrorChunk(s: GatewayStatus): string {
  const http = httpStatusOf(s.code);
  const parts: string[] = [];
  if (s.code !== 0) parts.push(`"grpc_code":${s.code}`);
  parts.push(`"http_code":${http}`);
  if (s.details !== '') parts.push(`"message":${goJsonString(s.details)}`);
  parts.push(`"http_status":${goJsonString(STATUS_CODES[http] ?? '')}`);
  return `{"error":{${parts.join(',')}}}`;
}
