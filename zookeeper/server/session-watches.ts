// One session's watches, with ZooKeeper's rules for which change fires which (WatchManager's, as
// 3.6+ has them): one-shot data watches (getData, exists) and child watches (getChildren) go once
// fired; persistent watches (addWatch) stay; a recursive one fires for its path and everything
// below, except children changes, which its own created/deleted events already tell. A session hears
// one event per change of a path, however many of its watches match.
import { EVENT_TYPE, WATCHER_TYPE } from '../jute/index.js';
import type { ZNodeEvent } from './znode-events.js';

/** The watch event a change of each kind sends. */
const EVENT_OF: Readonly<Record<ZNodeEvent['type'], number>> = {
  created: EVENT_TYPE.nodeCreated,
  deleted: EVENT_TYPE.nodeDeleted,
  dataChanged: EVENT_TYPE.nodeDataChanged,
  childrenChanged: EVENT_TYPE.nodeChildrenChanged,
};

export interface FiredWatch {
  readonly type: number;
  readonly path: string;
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

export class SessionWatches {
  private readonly data = new Set<string>();
  private readonly child = new Set<string>();
  private readonly persistent = new Set<string>();
  private readonly recursive = new Set<string>();

  addData(path: string): void {
    this.data.add(path);
  }

  addChild(path: string): void {
    this.child.add(path);
  }

  addPersistent(path: string, recursive: boolean): void {
    (recursive ? this.recursive : this.persistent).add(path);
  }

  get size(): number {
    return this.data.size + this.child.size + this.persistent.size + this.recursive.size;
  }

  /** The notification this session gets for the event, if any; one-shot watches it fires are gone. */
  fire(event: ZNodeEvent): FiredWatch | undefined {
    const { path } = event;
    let fired = false;
    if (event.type === 'childrenChanged') {
      fired = this.child.delete(path) || fired;
      fired = this.persistent.has(path) || fired;
    } else {
      fired = this.data.delete(path) || fired;
      if (event.type === 'deleted') fired = this.child.delete(path) || fired;
      fired = this.persistent.has(path) || fired;
      if (!fired) for (const r of this.recursive) if (isAtOrBelow(path, r)) fired = true;
    }
    return fired ? { type: EVENT_OF[event.type], path } : undefined;
  }

  /** Whether a watch of the kind is set on the path (checkWatches). */
  has(path: string, watcherType: number): boolean {
    return this.matching(path, watcherType).length > 0;
  }

  /** Removes the path's watches of the kind (removeWatches); false when there were none. */
  remove(path: string, watcherType: number): boolean {
    const sets = this.matching(path, watcherType);
    for (const s of sets) s.delete(path);
    return sets.length > 0;
  }

  private matching(path: string, watcherType: number): Set<string>[] {
    const kinds: Set<string>[] =
      watcherType === WATCHER_TYPE.children ? [this.child]
      : watcherType === WATCHER_TYPE.data ? [this.data]
      : [this.data, this.child, this.persistent, this.recursive];
    return kinds.filter((s) => s.has(path));
  }

  /** Every watch, as setWatches2 would restore them (used when a session moves between connections). */
  snapshot(): { data: string[]; child: string[]; persistent: string[]; recursive: string[] } {
    return { data: [...this.data], child: [...this.child], persistent: [...this.persistent], recursive: [...this.recursive] };
  }

  clear(): void {
    this.data.clear();
    this.child.clear();
    this.persistent.clear();
    this.recursive.clear();
  }
}
