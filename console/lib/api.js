// How the console talks to its member: etcd's JSON gateway (/v3/…), Consul's registry API (/v1/…),
// the config API (/lodestone/v1/config/…) and the console's own routes (/ui/api/…), each with the
// user's token in the Authorization header as etcd's gateway takes it. Every failure is an
// ApiError with the HTTP status and the server's own message.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    /** The server's code: a gRPC code number from the gateway, a string code from the other APIs. */
    this.code = code;
    /** More from the body (a config schema refusal's `errors`). */
    this.details = details;
  }
}

/** The message a failed response carries, whichever API answered. */
async function failure(res) {
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return new ApiError(res.status, undefined, text.trim() || `${res.status} ${res.statusText}`);
  }
  if (body && typeof body.error === 'object' && body.error !== null) return new ApiError(res.status, body.error.code, body.error.message, body.error);
  if (body && typeof body.error === 'string') return new ApiError(res.status, body.code, body.message || body.error, body);
  return new ApiError(res.status, undefined, text.trim());
}

export class Api {
  /** `onUnauthenticated` runs when the server says the token is missing or no longer valid. */
  constructor(token, onUnauthenticated) {
    this.token = token;
    this.onUnauthenticated = onUnauthenticated;
  }

  headers(extra = {}) {
    return { ...(this.token ? { Authorization: this.token } : {}), ...extra };
  }

  /** Sends a request; resolves with the parsed JSON body (or the text, or undefined when empty). */
  async request(method, path, body, { signal } = {}) {
    const init = { method, headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(path, init);
    if (!res.ok) {
      const err = await failure(res);
      if (res.status === 401 || isTokenError(err)) this.onUnauthenticated?.(err);
      throw err;
    }
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  get(path, options) {
    return this.request('GET', path, undefined, options);
  }

  /** etcd's gateway: POST /v3/<path> with a JSON body. */
  gateway(path, body = {}, options) {
    return this.request('POST', `/v3/${path}`, body, options);
  }

  /**
   * A watch through the gateway's streaming POST /v3/watch. `onResult` gets each WatchResponse
   * (created, events, progress, canceled); `onEnd` the error that ended it, or undefined when closed.
   * Returns a function that closes it.
   */
  watch(createRequest, onResult, onEnd) {
    const controller = new AbortController();
    let closed = false;
    (async () => {
      const res = await fetch('/v3/watch', {
        method: 'POST',
        headers: this.headers({ 'Content-Type': 'application/json' }),
        body: JSON.stringify({ create_request: createRequest }),
        signal: controller.signal,
      });
      if (!res.ok) throw await failure(res);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new ApiError(0, undefined, 'the watch ended');
        buffered += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          const message = JSON.parse(line);
          if (message.error) throw new ApiError(200, message.error.grpc_code ?? message.error.code, message.error.message);
          onResult(message.result ?? {});
        }
      }
    })().catch((err) => {
      if (!closed) onEnd?.(err);
    });
    return () => {
      closed = true;
      controller.abort();
      onEnd?.(undefined);
    };
  }
}

function isTokenError(err) {
  return typeof err.message === 'string' && /invalid auth token|user name is empty/.test(err.message);
}
