// The config center's front door: every operation on namespaces, drafts, releases, schemas and gray
// releases, over any KV store that ranges and writes (a member's backend running as the caller, or
// a client). Each operation takes the actor: the author it records and the call options its reads
// and writes carry.
import type { ConfigKv } from './namespace-state.js';
import type { Actor } from './publish.js';
import type { Namespace, ReleaseRecord, GrayRecord, GrayEndedRecord, GraySelector, ConfigItems } from './layout.js';
import { deleteDraftItem, setDraftItem } from './draft.js';
import { diff, history, itemsAt, publish, release, rollback, type ItemsRef, type PublishOptions, type PublishResult, type ReleaseSummary } from './releases.js';
import { deleteSchema, getSchema, putSchema, type SchemaAnswer } from './schema.js';
import { abandonGray, promoteGray, startGray } from './gray.js';
import { listNamespaces, status, viewNamespace, type NamespaceSummary, type NamespaceView } from './namespaces.js';
import type { NamespaceStatus } from './status.js';
import type { ItemChange } from './diff.js';
import { notFound } from './errors.js';
import { validateItems, type ValidationAnswer } from './validate.js';

export type { Actor } from './publish.js';
export type { ConfigKv } from './namespace-state.js';

export class ConfigCenter {
  constructor(private readonly kv: ConfigKv) {}

  namespaces(actor: Actor): Promise<NamespaceSummary[]> {
    return listNamespaces(this.kv, actor);
  }

  view(ns: Namespace, actor: Actor): Promise<NamespaceView> {
    return viewNamespace(this.kv, ns, actor);
  }

  items(ns: Namespace, ref: ItemsRef, actor: Actor): Promise<{ release: number | 'draft'; items: ConfigItems }> {
    return itemsAt(this.kv, ns, ref, actor);
  }

  setItem(ns: Namespace, item: string, value: unknown, format: unknown, actor: Actor): Promise<{ revision: number }> {
    return setDraftItem(this.kv, ns, item, value, format, actor);
  }

  deleteItem(ns: Namespace, item: string, actor: Actor): Promise<{ revision: number }> {
    return deleteDraftItem(this.kv, ns, item, actor);
  }

  publish(ns: Namespace, options: PublishOptions, actor: Actor): Promise<PublishResult> {
    return publish(this.kv, ns, options, actor);
  }

  history(ns: Namespace, limit: number, actor: Actor): Promise<ReleaseSummary[]> {
    return history(this.kv, ns, limit, actor);
  }

  release(ns: Namespace, n: number, actor: Actor): Promise<ReleaseRecord> {
    return release(this.kv, ns, n, actor);
  }

  diff(ns: Namespace, from: ItemsRef, to: ItemsRef, actor: Actor): Promise<{ from: number | 'draft'; to: number | 'draft'; changes: ItemChange[] }> {
    return diff(this.kv, ns, from, to, actor);
  }

  /** The schema check a publish of `ref` would make, without publishing. */
  validate(ns: Namespace, ref: ItemsRef, actor: Actor): Promise<ValidationAnswer> {
    return validateItems(this.kv, ns, ref, actor);
  }

  rollback(ns: Namespace, to: number, options: PublishOptions, actor: Actor): Promise<ReleaseRecord> {
    return rollback(this.kv, ns, to, options, actor);
  }

  schema(ns: Namespace, actor: Actor): Promise<SchemaAnswer> {
    return getSchema(this.kv, ns, actor);
  }

  putSchema(ns: Namespace, schema: unknown, force: boolean, actor: Actor): Promise<SchemaAnswer> {
    return putSchema(this.kv, ns, schema, force, actor);
  }

  deleteSchema(ns: Namespace, actor: Actor): Promise<SchemaAnswer> {
    return deleteSchema(this.kv, ns, actor);
  }

  startGray(ns: Namespace, selector: GraySelector, message: string, actor: Actor): Promise<{ release: ReleaseRecord; gray: GrayRecord }> {
    return startGray(this.kv, ns, selector, message, actor);
  }

  promoteGray(ns: Namespace, message: string, actor: Actor): Promise<ReleaseRecord> {
    return promoteGray(this.kv, ns, message, actor);
  }

  async abandonGray(ns: Namespace, reason: string | undefined, actor: Actor): Promise<GrayEndedRecord> {
    const ended = await abandonGray(this.kv, ns, reason, actor);
    if (!ended) throw notFound('no gray release under way');
    return ended;
  }

  status(ns: Namespace, actor: Actor): Promise<NamespaceStatus> {
    return status(this.kv, ns, actor);
  }
}
