// What another member's JSON gateway answered, for the console's routes that pass a call on to that
// member: the body when it succeeded, or the failure as the console's own error, keeping the
// member's message (an auth refusal stays 401/403, anything else is the member failing).
import { ConsoleHttpError } from './console-error.js';
import type { MemberResponse } from './member-http.js';

export function gatewayBody(origin: string, r: MemberResponse): Record<string, unknown> {
  let body: unknown;
  try {
    body = r.text === '' ? {} : JSON.parse(r.text);
  } catch {
    body = undefined;
  }
  const object = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (r.status >= 200 && r.status < 300 && object) return object;
  const message = typeof object?.['message'] === 'string' ? object['message'] : typeof object?.['error'] === 'string' ? object['error'] : r.text.trim() || `HTTP ${r.status}`;
  if (r.status === 401) throw new ConsoleHttpError(401, 'CONSOLE_UNAUTHENTICATED', message);
  if (r.status === 403 || /permission denied/.test(message)) throw new ConsoleHttpError(403, 'CONSOLE_PERMISSION_DENIED', message);
  if (r.status === 400) throw new ConsoleHttpError(400, 'CONSOLE_BAD_REQUEST', message);
  throw new ConsoleHttpError(503, 'CONSOLE_UNAVAILABLE', `${origin}: ${message}`);
}
