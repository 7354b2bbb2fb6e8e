// The routes under /lodestone/v1/config/<app>/<env>/<cluster>/: what each method and path does with
// the config center, and the status it answers with.
import type { ConfigCenter, Actor } from '../../configcenter/config-center.js';
import { badRequest } from '../../configcenter/errors.js';
import { checkSelector } from '../../configcenter/gray.js';
import type { Namespace } from '../../configcenter/layout.js';
import { parseItemsRef } from '../../configcenter/releases.js';
import type { ConfigRequest } from './config-request.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export interface RouteCall {
  readonly center: ConfigCenter;
  readonly r: ConfigRequest;
  readonly ns: Namespace;
  readonly body: Record<string, unknown>;
  readonly actor: Actor;
}

export interface Route {
  /** The path after the namespace, '*' standing for one segment (an item, a release number). */
  readonly path: string;
  readonly methods: Partial<Record<Method, (c: RouteCall) => Promise<Answer>>>;
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const created = (body: unknown): Answer => ({ status: 201, body });

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${field} is a string`);
  return v;
}

function optionalRelease(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badRequest(`${field} is a release number`);
  return v;
}

function releaseNumber(text: string | undefined): number {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) throw badRequest(`a release is a positive number, not ${JSON.stringify(text)}`);
  return Number(text);
}

function publishOptions(body: Record<string, unknown>): { message?: string; expectRelease?: number } {
  const message = optionalString(body, 'message');
  const expectRelease = optionalRelease(body, 'expectRelease');
  return { ...(message !== undefined ? { message } : {}), ...(expectRelease !== undefined ? { expectRelease } : {}) };
}

export const ROUTES: readonly Route[] = [
  { path: '', methods: { GET: async ({ center, ns, actor }) => ok(await center.view(ns, actor)) } },
  {
    path: 'items',
    methods: { GET: async ({ center, ns, actor, r }) => ok(await center.items(ns, parseItemsRef(r.query.get('release'), 'current'), actor)) },
  },
  {
    path: 'items/*',
    methods: {
      PUT: async ({ center, ns, actor, r, body }) => {
        if (!('value' in body)) throw badRequest('the body is { value, format? }');
        return ok(await center.setItem(ns, r.rest[1]!, body['value'], body['format'], actor));
      },
      DELETE: async ({ center, ns, actor, r }) => ok(await center.deleteItem(ns, r.rest[1]!, actor)),
    },
  },
  {
    path: 'publish',
    methods: {
      POST: async ({ center, ns, actor, body }) => {
        const result = await center.publish(ns, publishOptions(body), actor);
        return result.unchanged ? ok({ unchanged: true, release: result.release }) : created({ release: result.release });
      },
    },
  },
  {
    // A dry run of publish's schema check (?release=N checks a release, as a rollback would).
    path: 'validate',
    methods: { GET: async ({ center, ns, actor, r }) => ok(await center.validate(ns, parseItemsRef(r.query.get('release'), 'draft'), actor)) },
  },
  {
    path: 'releases',
    methods: {
      GET: async ({ center, ns, actor, r }) => {
        const limit = r.query.get('limit');
        if (limit !== null && !/^[0-9]{1,9}$/.test(limit)) throw badRequest('limit is a number');
        return ok({ releases: await center.history(ns, limit === null ? 0 : Number(limit), actor) });
      },
    },
  },
  { path: 'releases/*', methods: { GET: async ({ center, ns, actor, r }) => ok(await center.release(ns, releaseNumber(r.rest[1]), actor)) } },
  {
    path: 'diff',
    methods: {
      GET: async ({ center, ns, actor, r }) => ok(await center.diff(ns, parseItemsRef(r.query.get('from'), 'current'), parseItemsRef(r.query.get('to'), 'draft'), actor)),
    },
  },
  {
    path: 'rollback',
    methods: {
      POST: async ({ center, ns, actor, body }) => {
        const to = body['release'];
        if (typeof to !== 'number' || !Number.isSafeInteger(to) || to < 1) throw badRequest('the body is { release: <n>, message?, expectRelease? }');
        return created({ release: await center.rollback(ns, to, publishOptions(body), actor) });
      },
    },
  },
  {
    path: 'schema',
    methods: {
      GET: async ({ center, ns, actor }) => ok(await center.schema(ns, actor)),
      PUT: async ({ center, ns, actor, body }) => {
        if (!('schema' in body)) throw badRequest('the body is { schema, force? }');
        return ok(await center.putSchema(ns, body['schema'], body['force'] === true, actor));
      },
      DELETE: async ({ center, ns, actor }) => ok(await center.deleteSchema(ns, actor)),
    },
  },
  {
    path: 'gray',
    methods: {
      POST: async ({ center, ns, actor, body }) => created(await center.startGray(ns, checkSelector(body['labels'], body['percent']), optionalString(body, 'message') ?? '', actor)),
    },
  },
  { path: 'gray/promote', methods: { POST: async ({ center, ns, actor, body }) => created({ release: await center.promoteGray(ns, optionalString(body, 'message') ?? '', actor) }) } },
  { path: 'gray/abandon', methods: { POST: async ({ center, ns, actor, body }) => ok({ grayEnded: await center.abandonGray(ns, optionalString(body, 'reason'), actor) }) } },
  { path: 'status', methods: { GET: async ({ center, ns, actor }) => ok(await center.status(ns, actor)) } },
];

export function findRoute(rest: readonly string[]): Route | undefined {
  return ROUTES.find((route) => {
    const parts = route.path === '' ? [] : route.path.split('/');
    return parts.length === rest.length && parts.every((p, i) => p === '*' || p === rest[i]);
  });
}
