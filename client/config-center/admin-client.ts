// The config center's admin API for programs: namespaces, draft items, publish, history, diff,
// rollback, schemas, gray release and who runs what — each method one request of the members' HTTP
// JSON API (/lodestone/v1/config), on the client's own endpoints, TLS and token (http-json.ts), or,
// for an embedded node, the same routes run in its process (in-process-api.ts).
// Namespaces are "app", "app/env" or "app/env/cluster"; the defaults are filled in before sending.
import { checkItemName, ConfigLayoutError, namespaceName, parseNamespace, type ItemFormat, type ReleaseRecord } from '../../configcenter/layout.js';
import { ClientError } from '../errors.js';
import type {
  DiffView,
  GrayEndedRecord,
  GrayOptions,
  GrayStarted,
  ItemsView,
  NamespaceSummary,
  NamespaceView,
  PublishOptions,
  PublishResult,
  ReleaseRef,
  ReleaseSummary,
  SchemaOptions,
  SchemaView,
  StatusView,
  ChangeNote,
  ValidationView,
} from './admin-types.js';
import type { ConfigApiCaller, HttpMethod } from './config-api.js';

export const CONFIG_API_BASE = '/lodestone/v1/config';

/** "app/env" → "/lodestone/v1/config/app/env/default"; throws LODESTONE_INVALID_ARGUMENT for a bad name. */
export function namespacePath(ns: string): string {
  return `${CONFIG_API_BASE}/${fullNamespace(ns)}`;
}

/** "app" → "app/default/default". */
export function fullNamespace(ns: string): string {
  try {
    return namespaceName(parseNamespace(ns));
  } catch (e) {
    throw invalid(e);
  }
}

function itemSegment(item: string): string {
  try {
    return encodeURIComponent(checkItemName(item));
  } catch (e) {
    throw invalid(e);
  }
}

function invalid(e: unknown): unknown {
  return e instanceof ConfigLayoutError ? new ClientError('LODESTONE_INVALID_ARGUMENT', e.message, { cause: e }) : e;
}

function refQuery(ref: ReleaseRef): string {
  if (ref === 'current' || ref === 'draft') return ref;
  if (!Number.isSafeInteger(ref) || ref < 1) throw new ClientError('LODESTONE_INVALID_ARGUMENT', `a release is current, draft or a positive integer, not ${String(ref)}`);
  return String(ref);
}

/** Drops the fields left undefined, so the body says only what the caller said. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export class ConfigCenterAdmin {
  /** @internal */
  constructor(private readonly api: ConfigApiCaller) {}

  private async send<T>(method: HttpMethod, path: string, body?: object): Promise<T> {
    // Reads and puts of a whole value may be sent twice; publish, rollback, gray and promote may not.
    const idempotent = method === 'GET' || method === 'PUT' || method === 'DELETE';
    const answer = await this.api.call({ method, path, ...(body === undefined ? {} : { body }), idempotent });
    return answer.body as T;
  }

  /** Every namespace, with its current release and gray release. */
  async namespaces(): Promise<readonly NamespaceSummary[]> {
    return (await this.send<{ namespaces: NamespaceSummary[] }>('GET', CONFIG_API_BASE)).namespaces;
  }

  /** One namespace: current release, draft, schema, gray release. CONFIG_NOT_FOUND when it has no keys. */
  namespace(ns: string): Promise<NamespaceView> {
    return this.send('GET', namespacePath(ns));
  }

  /** The items of the current release (default), the draft, or release n. */
  items(ns: string, release: ReleaseRef = 'current'): Promise<ItemsView> {
    return this.send('GET', `${namespacePath(ns)}/items?release=${refQuery(release)}`);
  }

  /** Sets a draft item (published by publish()); format: the draft item's, else text. */
  setItem(ns: string, item: string, value: string, format?: ItemFormat): Promise<{ readonly revision: number }> {
    return this.send('PUT', `${namespacePath(ns)}/items/${itemSegment(item)}`, defined({ value, format }));
  }

  /** Removes a draft item. CONFIG_NOT_FOUND when the draft has no such item. */
  deleteItem(ns: string, item: string): Promise<{ readonly revision: number }> {
    return this.send('DELETE', `${namespacePath(ns)}/items/${itemSegment(item)}`);
  }

  /** Publishes the draft as a new release (or answers `unchanged`). CONFIG_CONFLICT, CONFIG_SCHEMA_INVALID. */
  publish(ns: string, options: PublishOptions = {}): Promise<PublishResult> {
    return this.send('POST', `${namespacePath(ns)}/publish`, defined({ message: options.message, author: options.author, expectRelease: options.expectRelease }));
  }

  /** The history, newest first, without items. */
  async releases(ns: string, limit?: number): Promise<readonly ReleaseSummary[]> {
    const query = limit === undefined ? '' : `?limit=${limit}`;
    return (await this.send<{ releases: ReleaseSummary[] }>('GET', `${namespacePath(ns)}/releases${query}`)).releases;
  }

  release(ns: string, release: number): Promise<ReleaseRecord> {
    return this.send('GET', `${namespacePath(ns)}/releases/${refQuery(release)}`);
  }

  /** Item by item, from `from` to `to` (current → draft by default). */
  diff(ns: string, from: ReleaseRef = 'current', to: ReleaseRef = 'draft'): Promise<DiffView> {
    return this.send('GET', `${namespacePath(ns)}/diff?from=${refQuery(from)}&to=${refQuery(to)}`);
  }

  /** The schema check a publish of the draft (or a rollback to `release`) would make, without making it. */
  validate(ns: string, release: ReleaseRef = 'draft'): Promise<ValidationView> {
    return this.send('GET', `${namespacePath(ns)}/validate?release=${refQuery(release)}`);
  }

  /** A new release with release n's items; the draft is reset to them. */
  async rollback(ns: string, release: number, options: PublishOptions = {}): Promise<ReleaseRecord> {
    const body = defined({ release, message: options.message, author: options.author, expectRelease: options.expectRelease });
    return (await this.send<{ release: ReleaseRecord }>('POST', `${namespacePath(ns)}/rollback`, body)).release;
  }

  /** The namespace's schema, or undefined when it has none. */
  async schema(ns: string): Promise<SchemaView | undefined> {
    try {
      return await this.send<SchemaView>('GET', `${namespacePath(ns)}/schema`);
    } catch (e) {
      if (e instanceof ClientError && e.code === 'CONFIG_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** Puts a JSON Schema for { item: value }; refused (CONFIG_SCHEMA_INVALID) when the current release fails it, unless `force`. */
  setSchema(ns: string, schema: Readonly<Record<string, unknown>>, options: SchemaOptions = {}): Promise<SchemaView> {
    return this.send('PUT', `${namespacePath(ns)}/schema`, defined({ schema, author: options.author, force: options.force }));
  }

  /** Removes the schema; answers with the one removed. CONFIG_NOT_FOUND when there was none. */
  deleteSchema(ns: string): Promise<SchemaView> {
    return this.send('DELETE', `${namespacePath(ns)}/schema`);
  }

  /** Publishes the draft to the instances matching the labels and/or percentage only. */
  gray(ns: string, options: GrayOptions): Promise<GrayStarted> {
    return this.send('POST', `${namespacePath(ns)}/gray`, defined({ labels: options.labels, percent: options.percent, message: options.message, author: options.author }));
  }

  /** Makes the gray release every instance's, as a new release. */
  async promote(ns: string, options: ChangeNote = {}): Promise<ReleaseRecord> {
    return (await this.send<{ release: ReleaseRecord }>('POST', `${namespacePath(ns)}/gray/promote`, defined({ message: options.message, author: options.author }))).release;
  }

  /** Ends the gray release: its instances go back to the current release. */
  async abandon(ns: string, options: { readonly reason?: string; readonly author?: string } = {}): Promise<GrayEndedRecord> {
    return (await this.send<{ grayEnded: GrayEndedRecord }>('POST', `${namespacePath(ns)}/gray/abandon`, defined({ reason: options.reason, author: options.author }))).grayEnded;
  }

  /** Which instance runs which release, and which rejected theirs. */
  status(ns: string): Promise<StatusView> {
    return this.send('GET', `${namespacePath(ns)}/status`);
  }
}
