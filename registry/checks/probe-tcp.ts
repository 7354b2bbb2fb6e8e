// A TCP check: passing when a connection to "host:port" opens within the timeout.
import { connect } from 'node:net';
import type { ProbeResult } from './damping.js';

/** "host:port" or "[v6]:port" split; undefined when it is not that. */
export function splitHostPort(target: string): { readonly host: string; readonly port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:]+):(\d+)$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!, port } : undefined;
}

export function probeTcp(target: string, timeoutMs: number): Promise<ProbeResult> {
  const what = `TCP connect ${target}`;
  const where = splitHostPort(target);
  if (!where) return Promise.resolve({ status: 'critical', output: `${what}: not host:port` });
  return new Promise((resolve) => {
    const socket = connect({ host: where.host, port: where.port });
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 'critical', output: `${what}: timed out after ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ status: 'passing', output: `${what}: Success` }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ status: 'critical', output: `${what}: ${err.code ?? err.message}` }));
  });
}
