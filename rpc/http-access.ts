// What etcd's access controller does to every HTTP request before its handlers see it: /v3beta/ is
// the old name of /v3/; CORS headers allowing any origin (etcd's default --cors); OPTIONS answered
// at once; and, with client-certificate auth and auth both on, a TLS client whose certificate has a
// CN is refused on /v3/ — the gateway does not take the CN as the user, and etcd says so rather than
// serve the request as nobody.
import type { TLSSocket } from 'node:tls';
import type { HttpHandler } from './http-handler.js';
import { plainError } from './http-front.js';

export interface AccessOptions {
  /** etcd's --client-cert-auth on the client URLs. */
  readonly clientCertAuth: boolean;
  /** Whether auth is enabled now. */
  readonly authEnabled: () => boolean;
}

const CN_REFUSED = 'CommonName of client sending a request against gateway will be ignored and not used as expected';

export function etcdAccess(options: AccessOptions): HttpHandler {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v3beta/')) req.url = `/v3/${url.slice('/v3beta/'.length)}`;
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.encrypted === true && options.clientCertAuth && req.url!.startsWith('/v3/') && options.authEnabled()) {
      const cn = socket.getPeerCertificate?.().subject?.CN;
      if (cn !== undefined && cn !== '') {
        plainError(res, 400, CN_REFUSED);
        return true;
      }
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS, PUT, DELETE');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'accept, content-type, authorization');
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return true;
    }
    return false;
  };
}
