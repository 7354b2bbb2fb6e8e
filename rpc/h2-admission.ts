// Which HTTP/2 connections go through the :authority filter (h2-authority-filter.ts) and which reach
// the HTTP/2 server as the native sockets they are. The filter is a JavaScript stream, and Node runs
// every read and write of such a stream through JavaScript (JSStreamSocket): that costs every call
// on the connection. Only clients that send an authority Node refuses need it, and a client sends
// the same authority on every request of a connection (grpc-go takes it from the target it dialed).
// So the first request's header block decides.
//
// The first HEADERS cannot simply be waited for: grpc-go clients send none before the server's
// SETTINGS, and Node's HTTP/2 server sends its SETTINGS only once it has the socket. So the
// connection is greeted here with an empty SETTINGS frame (legal at any time; it changes nothing,
// the server's own SETTINGS follow once it has the socket), which the client acknowledges. That
// acknowledgement must not reach the server, which never sent that frame (nghttp2 ends the
// connection on a SETTINGS ACK it did not ask for): the rewriter drops it. Once both the first
// header block and that acknowledgement have come, the connection goes on: natively, with what was
// read put back into the socket, when the first block needed nothing; through the filter otherwise.
// A connection that sends something else first (a PING), or nothing for a while, goes through the
// filter: it is right for every client, and only slower. Holding an idle client meanwhile costs it
// nothing: it has nothing to be answered yet, and a PING ends the wait at once.
//
// What a filtered connection loses: grpc-js then sees Node's JavaScript socket wrapper, not the TLS
// socket, so a call on it has no client certificate in its auth context (a user named by the
// certificate's CN, with --client-cert-auth and auth on, is not recognised; the certificate was
// still verified in the handshake) and no peer address. Only clients that send a URL for authority
// are filtered, and they are not otherwise served at all.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { H2AuthorityFilter, H2AuthorityRewriter } from './h2-authority-filter.js';

/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

/** How long a client may take over its first request before it is sent through the filter. */
const DECIDE_WITHIN_MS = 10_000;

export type H2FilterMode = 'auto' | 'always' | 'never';

/** `LODESTONE_H2_AUTHORITY_FILTER`: auto (the default), always (every connection, for measuring), never. */
export function filterModeFromEnv(env: NodeJS.ProcessEnv = process.env): H2FilterMode {
  const value = env['LODESTONE_H2_AUTHORITY_FILTER'];
  return value === 'always' || value === 'never' ? value : 'auto';
}

/**
 * Hands `socket`, an HTTP/2 connection nothing was read from yet (or whose read bytes were put
 * back), to `admit`: as it is, or wrapped in the filter; a connection that closes before is dropped.
 * Returns what drops it while it is still being decided (the server stopping).
 */
export function admitH2(socket: Socket, mode: H2FilterMode, admit: (connection: Duplex) => void): () => void {
  const done = (): void => undefined;
  if (mode === 'never') {
    admit(socket);
    return done;
  }
  if (mode === 'always') {
    admit(new H2AuthorityFilter(socket, new H2AuthorityRewriter()));
    return done;
  }
  const rewriter = new H2AuthorityRewriter({ dropSettingsAcks: 1 });
  const out: Buffer[] = [];
  let settled = false;
  const settle = (native: boolean): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    if (native) {
      const rest = rewriter.unparsed();
      const all = Buffer.concat(rest.length > 0 ? [...out, rest] : out);
      if (all.length > 0) socket.unshift(all);
      admit(socket);
    } else {
      admit(new H2AuthorityFilter(socket, rewriter, out));
    }
  };
  const onData = (chunk: Buffer): void => {
    out.push(...rewriter.feed(chunk));
    if (rewriter.framesBeforeFirstBlock > 0) settle(false);
    else if (rewriter.headerBlocks > 0 && rewriter.settingsAcksDropped) settle(rewriter.rewrittenBlocks === 0);
  };
  const onClose = (): void => {
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData);
  };
  const timer = setTimeout(() => settle(false), DECIDE_WITHIN_MS);
  // A connection still being decided must not keep a stopping member's process alive.
  timer.unref();
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.write(EMPTY_SETTINGS);
  return () => {
    if (settled) return;
    onClose();
    socket.destroy();
  };
}
