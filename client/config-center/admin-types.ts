// The answers of the config center's HTTP JSON API (/lodestone/v1/config on the members' client
// URLs), as the admin client returns them: the records of configcenter/layout.ts plus the few shapes
// the API adds (listings, diffs, status).
import type {
  AppliedRecord,
  ConfigItem,
  ConfigItems,
  CurrentRecord,
  GrayEndedRecord,
  GrayRecord,
  GraySelector,
  ItemFormat,
  ReleaseRecord,
  SchemaRecord,
} from '../../configcenter/layout.js';
import type { ValidationAnswer } from '../../configcenter/validate.js';

export type { AppliedRecord, ConfigItem, ConfigItems, CurrentRecord, GrayEndedRecord, GrayRecord, GraySelector, ItemFormat, ReleaseRecord, SchemaRecord };

/** One line of GET /lodestone/v1/config. */
export interface NamespaceSummary {
  readonly namespace: string;
  /** The current release; 0 when none has been published. */
  readonly release: number;
  /** The gray release under way, if any. */
  readonly gray: number | null;
}

/** A schema as the API returns it: the record and the mod revision of its key. */
export type SchemaView = SchemaRecord & { readonly revision: number };

/** GET …/<ns>: everything about one namespace but its history. */
export interface NamespaceView {
  readonly namespace: string;
  readonly current: ReleaseRecord | null;
  readonly draft: ConfigItems;
  /** Whether the draft differs from the current release's items. */
  readonly draftChanged: boolean;
  readonly schema: SchemaView | null;
  readonly gray: GrayRecord | null;
  readonly grayEnded: GrayEndedRecord | null;
  readonly revision: number;
}

/** Which items to read: the current release, the draft, or release n. */
export type ReleaseRef = 'current' | 'draft' | number;

export interface ItemsView {
  readonly release: number | 'draft';
  readonly items: ConfigItems;
}

/** POST …/publish: a new release, or (nothing changed: `unchanged`) the current one. */
export interface PublishResult {
  readonly unchanged?: boolean;
  readonly release: ReleaseRecord;
}

/** One release in a history listing: the record without its items, and how many it has. */
export type ReleaseSummary = Omit<ReleaseRecord, 'items'> & { readonly itemCount: number };

export type DiffChangeKind = 'added' | 'removed' | 'changed';

export interface DiffChange {
  readonly item: string;
  readonly change: DiffChangeKind;
  readonly before?: ConfigItem;
  readonly after?: ConfigItem;
}

/** from and to as resolved: a release number (0: none yet) or "draft". */
export interface DiffView {
  readonly from: number | 'draft';
  readonly to: number | 'draft';
  readonly changes: readonly DiffChange[];
}

/** GET …/validate: the schema check a publish (or a rollback to a release) would make, made without it. */
export type ValidationView = ValidationAnswer;

export interface GrayStarted {
  readonly release: ReleaseRecord;
  readonly gray: GrayRecord;
}

/** One instance in GET …/status: what it applied, what it should run, and whether it does. */
export type InstanceStatus = AppliedRecord & { readonly expected: number; readonly upToDate: boolean };

export interface StatusView {
  readonly current: CurrentRecord | null;
  readonly gray: GrayRecord | null;
  readonly instances: readonly InstanceStatus[];
  /** Per release number: how many instances applied it, how many rejected it. */
  readonly byRelease: Readonly<Record<string, { readonly applied: number; readonly rejected: number }>>;
}

/** Who made a change and why: sent with publish, rollback, gray, promote (author is ignored when auth is on). */
export interface ChangeNote {
  readonly message?: string;
  readonly author?: string;
}

export interface PublishOptions extends ChangeNote {
  /** Refuse (409) unless the current release is still this one. */
  readonly expectRelease?: number;
}

export interface GrayOptions extends ChangeNote {
  readonly labels?: Readonly<Record<string, string>>;
  readonly percent?: number;
}

export interface SchemaOptions {
  readonly author?: string;
  /** Put the schema even though the current release does not conform to it. */
  readonly force?: boolean;
}
