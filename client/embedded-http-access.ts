// An embedded node's HTTP access: the member's own client listener over loopback, when the node
// serves clients (openNode's `serve`). The node's calls are the member's own, so no token is sent;
// an https listener is the node's own socket, reached on loopback, so its certificate (self-signed
// with autoTls, say) is not checked.
import type { HttpAccess, HttpTarget } from './http-access.js';

const ANY_ADDRESS = new Set(['0.0.0.0', '[::]', '::', '']);

/** The served URLs ("http://0.0.0.0:2379", with bound ports) as loopback targets, http ones first. */
export function loopbackTargets(urls: readonly string[]): HttpTarget[] {
  const targets = urls.map((u) => {
    const url = new URL(u);
    if (ANY_ADDRESS.has(url.hostname)) url.hostname = url.hostname.includes(':') ? '[::1]' : '127.0.0.1';
    return { origin: url.origin };
  });
  return [...targets.filter((t) => t.origin.startsWith('http:')), ...targets.filter((t) => t.origin.startsWith('https:'))];
}

export function embeddedHttpAccess(servedUrls: () => readonly string[]): HttpAccess {
  return {
    targets: () => loopbackTargets(servedUrls()),
    tls: { rejectUnauthorized: false },
    token: () => undefined,
    renewToken: () => Promise.resolve(false),
    unreachable: () => undefined,
    reached: () => undefined,
  };
}
