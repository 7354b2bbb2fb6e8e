// The console's API routes by name: /ui/api/<name>[/…].
import type { ConsoleApiRoute } from './console-api.js';
import { sessionRoute } from './session-route.js';
import { clusterRoute } from './cluster-route.js';

export const CONSOLE_API_ROUTES: Readonly<Record<string, ConsoleApiRoute>> = {
  session: sessionRoute,
  cluster: clusterRoute,
};
