// An HTTP check: one request with the check's method; 2xx passing, 429 (Too Many Requests) warning,
// any other answer — or none within the timeout — critical. A fresh connection each time (no
// keep-alive), so a result says whether the instance accepts connections now.
import { request as httpRequest, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProbeResult } from './damping.js';

export function probeHttp(url: string, method: string, timeoutMs: number): Promise<ProbeResult> {
  const what = `HTTP ${method} ${url}`;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ status: 'critical', output: `${what}: not a URL` });
  }
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) return Promise.resolve({ status: 'critical', output: `${what}: only http and https URLs can be checked` });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = send(target, { method, agent: false, headers: { 'user-agent': 'lodestone-health-check', accept: 'text/plain, text/*, */*' } }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      const line = `${what}: ${code} ${res.statusMessage || STATUS_CODES[code] || ''}`.trimEnd();
      finish({ status: code >= 200 && code < 300 ? 'passing' : code === 429 ? 'warning' : 'critical', output: line });
    });
    const timer = setTimeout(() => finish({ status: 'critical', output: `${what}: timed out after ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: 'critical', output: `${what}: ${err.code ?? err.message}` }));
    req.end();
  });
}
