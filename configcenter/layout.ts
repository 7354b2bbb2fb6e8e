// Where the config center keeps its state, so that any etcd client can read it (and watch it):
//
//   /lodestone/namespaces/<app>/<env>/<cluster>/current           which release runs; JSON CurrentRecord.
//                                                                  Every publish, rollback and promote
//                                                                  compares its mod revision, so two
//                                                                  publishers never interleave
//   /lodestone/namespaces/<app>/<env>/<cluster>/releases/<n>      release n (10 digits, zero-padded, so
//                                                                  key order is release order); JSON
//                                                                  ReleaseRecord, written once, never changed
//   /lodestone/namespaces/<app>/<env>/<cluster>/draft/<item>      the working copy of an item; JSON ConfigItem
//   /lodestone/namespaces/<app>/<env>/<cluster>/schema            the namespace's JSON Schema; JSON SchemaRecord
//   /lodestone/namespaces/<app>/<env>/<cluster>/gray              the gray release under way; JSON GrayRecord
//   /lodestone/namespaces/<app>/<env>/<cluster>/gray-ended        how the last gray release ended (promoted,
//                                                                  abandoned, and why); JSON GrayEndedRecord
//   /lodestone/namespaces/<app>/<env>/<cluster>/applied/<instance> what one running instance applied or
//                                                                  rejected; JSON AppliedRecord, on the
//                                                                  instance's lease, so it goes with it
//   /lodestone/config/<app>/<env>/<cluster>/<item>                the current release's items, as plain
//                                                                  text values, rewritten in the same
//                                                                  transaction as `current`: what the
//                                                                  client's config(prefix) and any etcd
//                                                                  tool (confd, etcdctl watch) read
//
// A namespace is `<app>/<env>/<cluster>`; `app` alone means `app/default/default`, `app/env` means
// `app/env/default` (Apollo's default cluster). Each name is 1–128 of [A-Za-z0-9._-] starting with a
// letter or digit; an item name is 1–256 of [A-Za-z0-9._-], so it is also a safe key segment and
// maps to an environment variable name.
import { prefixEnd } from '../store/mvcc/key-bytes.js';

export const NAMESPACES_PREFIX = '/lodestone/namespaces/';
export const LIVE_CONFIG_PREFIX = '/lodestone/config/';

/** How an item's value is written; json and yaml values must parse. */
export type ItemFormat = 'text' | 'json' | 'yaml';
export const ITEM_FORMATS: readonly ItemFormat[] = ['text', 'json', 'yaml'];

/** One config item: its value as written, and how to read it. */
export interface ConfigItem {
  readonly value: string;
  readonly format: ItemFormat;
}

export type ConfigItems = Readonly<Record<string, ConfigItem>>;

/**
 * How a release came to be: a publish of the draft; a rollback (a copy of an earlier release); a
 * gray release (the draft, to some instances only); a promote (the gray release, to every instance).
 */
export type ReleaseKind = 'publish' | 'rollback' | 'gray' | 'promote';

/** Which instances a gray release reaches: those with every one of `labels`, or a share of them. */
export interface GraySelector {
  /** An instance matches when it carries each label with this value. */
  readonly labels?: Readonly<Record<string, string>>;
  /** 1–100: an instance matches when grayBucket(its instance id) < percent (gray-selection.ts). */
  readonly percent?: number;
}

/** A release as stored under releases/<n>: immutable once written. */
export interface ReleaseRecord {
  /** 1, 2, 3…: one sequence per namespace, gray releases included. */
  readonly release: number;
  readonly kind: ReleaseKind;
  readonly message: string;
  /** The authenticated user when auth is on; otherwise whom the caller named ("anonymous" if none). */
  readonly author: string;
  /** When it was made: ISO 8601, the member's clock. */
  readonly time: string;
  readonly items: ConfigItems;
  /** The release that ran everywhere when this one was made (0: none yet). */
  readonly base: number;
  /** rollback: the release copied. promote: the gray release promoted. */
  readonly from?: number;
  /** gray: the instances it was meant for. */
  readonly selector?: GraySelector;
  /** The schema's mod revision the items were checked against (0: no schema). */
  readonly schemaRevision: number;
}

/** The `current` key: the release every instance outside a gray release runs. */
export interface CurrentRecord {
  readonly release: number;
  /** The highest release number used so far (gray releases take numbers too). */
  readonly lastRelease: number;
}

/** The `gray` key: a gray release under way. */
export interface GrayRecord {
  /** The gray release's number (its record is under releases/). */
  readonly release: number;
  /** The current release when the gray release began. */
  readonly base: number;
  readonly selector: GraySelector;
  readonly author: string;
  readonly time: string;
}

/** The `gray-ended` key: how the last gray release ended. */
export interface GrayEndedRecord {
  readonly release: number;
  readonly outcome: 'promoted' | 'abandoned';
  /** Who ended it: a user, or "lodestone" when the members abandoned it on their own. */
  readonly author: string;
  /** Why it was abandoned: the user's reason, or the instance that rejected it or went critical. */
  readonly reason?: string;
  /** promoted: the release that carried it to every instance. */
  readonly promotedAs?: number;
  readonly time: string;
}

/** The `schema` key. */
export interface SchemaRecord {
  /** A JSON Schema (draft 2020-12 or 07, as ajv reads it) for the object { item: value }. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly author: string;
  readonly time: string;
}

/** Who applied a release: a library client, `lodestone exec` or `lodestone template`. */
export type AppliedVia = 'library' | 'exec' | 'template';

/** The applied/<instance> key: one running instance's last answer to the release meant for it. */
export interface AppliedRecord {
  readonly instance: string;
  readonly release: number;
  readonly state: 'applied' | 'rejected';
  /** Why it was rejected (the parse or validation error, the check command's output). */
  readonly reason?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly via: AppliedVia;
  readonly host: string;
  readonly pid: number;
  /** The registry instance this process is, if it registered one: a gray release is abandoned when it goes critical. */
  readonly service?: string;
  readonly serviceInstance?: string;
  /** ISO 8601, the instance's clock. */
  readonly time: string;
}

/** Thrown for a namespace, item name or record that does not fit the layout. */
export class ConfigLayoutError extends Error {
  override readonly name = 'ConfigLayoutError';
}

/** A namespace, its three names. */
export interface Namespace {
  readonly app: string;
  readonly env: string;
  readonly cluster: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ITEM = /^[A-Za-z0-9._-]{1,256}$/;
const INSTANCE = /^[^/]{1,256}$/;
export const DEFAULT_ENV = 'default';
export const DEFAULT_CLUSTER = 'default';

/** "app", "app/env" or "app/env/cluster", with the defaults filled in. */
export function parseNamespace(text: string): Namespace {
  const parts = text.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length > 3 || parts.some((p) => !NAME.test(p))) {
    throw new ConfigLayoutError(`a namespace is <app>[/<env>[/<cluster>]], each 1–128 of [A-Za-z0-9._-] starting with a letter or digit, not ${JSON.stringify(text)}`);
  }
  return { app: parts[0]!, env: parts[1] ?? DEFAULT_ENV, cluster: parts[2] ?? DEFAULT_CLUSTER };
}

export function namespaceName(ns: Namespace): string {
  return `${ns.app}/${ns.env}/${ns.cluster}`;
}

export function checkItemName(item: string): string {
  if (typeof item !== 'string' || !ITEM.test(item)) throw new ConfigLayoutError(`an item name is 1–256 of [A-Za-z0-9._-], not ${JSON.stringify(item)}`);
  return item;
}

export function checkInstanceName(instance: string): string {
  if (typeof instance !== 'string' || !INSTANCE.test(instance)) throw new ConfigLayoutError(`an instance name is 1–256 characters without "/", not ${JSON.stringify(instance)}`);
  return instance;
}

/** "/lodestone/namespaces/<app>/<env>/<cluster>/" */
export function namespacePrefix(ns: Namespace): string {
  return `${NAMESPACES_PREFIX}${namespaceName(ns)}/`;
}

export const currentKey = (ns: Namespace): string => `${namespacePrefix(ns)}current`;
export const schemaKey = (ns: Namespace): string => `${namespacePrefix(ns)}schema`;
export const grayKey = (ns: Namespace): string => `${namespacePrefix(ns)}gray`;
export const grayEndedKey = (ns: Namespace): string => `${namespacePrefix(ns)}gray-ended`;
export const releasesPrefix = (ns: Namespace): string => `${namespacePrefix(ns)}releases/`;
export const draftPrefix = (ns: Namespace): string => `${namespacePrefix(ns)}draft/`;
export const appliedPrefix = (ns: Namespace): string => `${namespacePrefix(ns)}applied/`;

export function releaseKey(ns: Namespace, release: number): string {
  if (!Number.isSafeInteger(release) || release < 1 || release > 9_999_999_999) throw new ConfigLayoutError(`a release number is a positive integer, not ${release}`);
  return releasesPrefix(ns) + String(release).padStart(10, '0');
}

export const draftKey = (ns: Namespace, item: string): string => draftPrefix(ns) + checkItemName(item);
export const appliedKey = (ns: Namespace, instance: string): string => appliedPrefix(ns) + checkInstanceName(instance);

/** "/lodestone/config/<app>/<env>/<cluster>/": the current release's items as plain values. */
export const liveConfigPrefix = (ns: Namespace): string => `${LIVE_CONFIG_PREFIX}${namespaceName(ns)}/`;
export const liveConfigKey = (ns: Namespace, item: string): string => liveConfigPrefix(ns) + checkItemName(item);

/** The namespace a key under /lodestone/namespaces/ belongs to, and the rest of the key; undefined for any other key. */
export function splitNamespaceKey(key: string): { readonly ns: Namespace; readonly rest: string } | undefined {
  if (!key.startsWith(NAMESPACES_PREFIX)) return undefined;
  const parts = key.slice(NAMESPACES_PREFIX.length).split('/');
  if (parts.length < 4 || !parts.slice(0, 3).every((p) => NAME.test(p))) return undefined;
  return { ns: { app: parts[0]!, env: parts[1]!, cluster: parts[2]! }, rest: parts.slice(3).join('/') };
}

const encoder = new TextEncoder();

/** [start, end) of every key of a namespace's own state (not its live values). */
export function namespaceRange(ns: Namespace): { readonly key: Uint8Array; readonly rangeEnd: Uint8Array } {
  const key = encoder.encode(namespacePrefix(ns));
  return { key, rangeEnd: prefixEnd(key) };
}
