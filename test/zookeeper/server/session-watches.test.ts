// Which change fires which of a session's watches, by ZooKeeper's rules, and what a store event on
// the znode tree's keys means to them.
import { describe, expect, it } from 'vitest';
import type { MvccEvent } from '../../../store/mvcc/types.js';
import { EVENT_TYPE, WATCHER_TYPE } from '../../../zookeeper/jute/index.js';
import { SessionWatches } from '../../../zookeeper/server/session-watches.js';
import { znodeEvents } from '../../../zookeeper/server/znode-events.js';

const enc = new TextEncoder();

function put(key: string, version: number, rev: number): MvccEvent {
  return { type: 'put', kv: { key: enc.encode(key), createRevision: rev - version + 1, modRevision: rev, version, value: new Uint8Array(), lease: 0n } };
}

describe('znode events from store events', () => {
  it('a data key at version 1 is a znode created, and its parent changed children', () => {
    expect(znodeEvents(put('/lodestone/zk/data/a/b', 1, 7))).toEqual([
      { type: 'created', path: '/a/b', revision: 7 },
      { type: 'childrenChanged', path: '/a', revision: 7 },
    ]);
  });

  it('a later put is data changed; a delete is deleted plus the parent; other keys tell nothing', () => {
    expect(znodeEvents(put('/lodestone/zk/data/a', 3, 9))).toEqual([{ type: 'dataChanged', path: '/a', revision: 9 }]);
    const del: MvccEvent = { type: 'delete', kv: { key: enc.encode('/lodestone/zk/data/a'), createRevision: 0, modRevision: 10, version: 0, value: new Uint8Array(), lease: 0n } };
    expect(znodeEvents(del)).toEqual([
      { type: 'deleted', path: '/a', revision: 10 },
      { type: 'childrenChanged', path: '/', revision: 10 },
    ]);
    expect(znodeEvents(put('/lodestone/zk/meta/a', 1, 7))).toEqual([]);
    expect(znodeEvents(put('/lodestone/zk/cversion/a', 2, 8))).toEqual([]);
  });
});

describe('a session\'s watches', () => {
  it('one-shot data and child watches fire once', () => {
    const w = new SessionWatches();
    w.addData('/a');
    w.addChild('/a');
    expect(w.fire({ type: 'dataChanged', path: '/a', revision: 2 })).toEqual({ type: EVENT_TYPE.nodeDataChanged, path: '/a' });
    expect(w.fire({ type: 'dataChanged', path: '/a', revision: 3 })).toBeUndefined();
    expect(w.fire({ type: 'childrenChanged', path: '/a', revision: 4 })).toEqual({ type: EVENT_TYPE.nodeChildrenChanged, path: '/a' });
    expect(w.fire({ type: 'childrenChanged', path: '/a', revision: 5 })).toBeUndefined();
    expect(w.size).toBe(0);
  });

  it('a deletion fires data and child watches as one event', () => {
    const w = new SessionWatches();
    w.addData('/a');
    w.addChild('/a');
    expect(w.fire({ type: 'deleted', path: '/a', revision: 2 })).toEqual({ type: EVENT_TYPE.nodeDeleted, path: '/a' });
    expect(w.size).toBe(0);
  });

  it('persistent watches stay; recursive ones see below their path but not children changes', () => {
    const w = new SessionWatches();
    w.addPersistent('/p', false);
    w.addPersistent('/r', true);
    expect(w.fire({ type: 'dataChanged', path: '/p', revision: 2 })?.type).toBe(EVENT_TYPE.nodeDataChanged);
    expect(w.fire({ type: 'childrenChanged', path: '/p', revision: 3 })?.type).toBe(EVENT_TYPE.nodeChildrenChanged);
    expect(w.fire({ type: 'dataChanged', path: '/p', revision: 4 })?.type).toBe(EVENT_TYPE.nodeDataChanged);
    expect(w.fire({ type: 'dataChanged', path: '/p/x', revision: 5 })).toBeUndefined();
    expect(w.fire({ type: 'created', path: '/r/x/y', revision: 6 })).toEqual({ type: EVENT_TYPE.nodeCreated, path: '/r/x/y' });
    expect(w.fire({ type: 'childrenChanged', path: '/r/x', revision: 6 })).toBeUndefined();
    expect(w.fire({ type: 'dataChanged', path: '/rr', revision: 7 })).toBeUndefined();
    expect(w.size).toBe(2);
  });

  it('checkWatches and removeWatches by kind', () => {
    const w = new SessionWatches();
    w.addData('/a');
    w.addChild('/b');
    expect(w.has('/a', WATCHER_TYPE.data)).toBe(true);
    expect(w.has('/a', WATCHER_TYPE.children)).toBe(false);
    expect(w.remove('/a', WATCHER_TYPE.children)).toBe(false);
    expect(w.remove('/b', WATCHER_TYPE.any)).toBe(true);
    expect(w.remove('/a', WATCHER_TYPE.data)).toBe(true);
    expect(w.size).toBe(0);
  });
});
