// What the HTTP/1.1 side of a client port is made of: handlers tried in turn until one answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers the request (now or later) and returns true, or returns false without touching the
 * response to leave it to the next handler. Endpoints such as /health, /version and /metrics plug
 * in here; etcd's JSON gateway under /v3/ comes after them.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;
