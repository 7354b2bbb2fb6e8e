# The scenario of beside-zookeeper.test.ts, run with Kazoo against a real ZooKeeper. Prints one JSON
# line per step: [label, outcome], with stats reduced to what does not depend on zxid numbering.
import json
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.security import make_acl


def stat(s):
    return {
        'version': s.version, 'cversion': s.cversion, 'aversion': s.aversion,
        'dataLength': s.dataLength, 'numChildren': s.numChildren, 'ephemeral': s.ephemeralOwner != 0,
        'mzxidIsCzxid': s.mzxid == s.czxid, 'pzxidIsCzxid': s.pzxid == s.czxid,
    }


def outcome(f):
    try:
        r = f()
    except KazooException as e:
        return type(e).__name__
    if hasattr(r, 'czxid'):
        return stat(r)
    if isinstance(r, tuple) and len(r) == 2 and hasattr(r[1], 'czxid'):
        first = r[0]
        if isinstance(first, bytes):
            first = first.decode()
        elif isinstance(first, list) and first and hasattr(first[0], 'perms'):
            first = [[a.perms, a.id.scheme, a.id.id] for a in first]
        return [first, stat(r[1])]
    if isinstance(r, list):
        return [x if isinstance(x, (str, bool)) else (type(x).__name__ if isinstance(x, Exception) else stat(x)) for x in r]
    return r


def step(label, f):
    print(json.dumps([label, outcome(f)]), flush=True)


zk = KazooClient(hosts=sys.argv[1])
zk.start(timeout=15)
other = KazooClient(hosts=sys.argv[1])
other.start(timeout=15)

step('root', lambda: zk.exists('/'))
step('zookeeper', lambda: zk.exists('/zookeeper'))
step('config acl', lambda: zk.get_acls('/zookeeper/config'))
step('create app', lambda: zk.create('/app', b'v1'))
step('get app', lambda: zk.get('/app'))
step('set app v0', lambda: zk.set('/app', b'value2', 0))
step('set app stale', lambda: zk.set('/app', b'x', 0))
step('create app/c', lambda: zk.create('/app/c'))
step('delete app/c', lambda: zk.delete('/app/c'))
step('seq after delete', lambda: zk.create('/app/s-', sequence=True))
step('app after', lambda: zk.exists('/app'))
step('delete app not empty', lambda: zk.delete('/app'))
step('delete missing', lambda: zk.delete('/missing'))
step('create under missing', lambda: zk.create('/missing/x'))
step('create exists', lambda: zk.create('/app'))
step('delete /zookeeper', lambda: zk.delete('/zookeeper'))


def txn_ok():
    t = zk.transaction()
    t.create('/m', b'm')
    t.create('/m/a')
    t.create('/m/s-', sequence=True)
    t.create('/m/s-', sequence=True)
    t.check('/app', 1)
    t.set_data('/app', b'new', 1)
    return t.commit()


def txn_fail():
    t = zk.transaction()
    t.create('/b')
    t.set_data('/app', b'z')
    t.check('/app', 7)
    t.delete('/app/s-0000000001')
    return t.commit()


step('txn ok', txn_ok)
step('m after txn', lambda: (lambda r: (sorted(r[0]), r[1]))(zk.get_children('/m', include_data=True)))
step('txn fail', txn_fail)
step('b after failed txn', lambda: zk.exists('/b'))
step('ephemeral', lambda: zk.create('/app/e', b'', ephemeral=True))
step('ephemeral stat', lambda: zk.exists('/app/e'))
step('child of ephemeral', lambda: zk.create('/app/e/x'))
zk.add_auth('digest', 'alice:secret')
step('create auth acl', lambda: zk.create('/s', b'secret', acl=[make_acl('world', 'anyone', read=True), make_acl('auth', '', all=True)]))
step('acl as other', lambda: other.get_acls('/s'))
step('acl as owner', lambda: zk.get_acls('/s'))
step('other writes', lambda: other.set('/s', b'x'))
step('other reads', lambda: other.get('/s'))
step('owner sets acl', lambda: zk.set_acls('/s', [make_acl('world', 'anyone', read=True)], 0))
step('root children', lambda: sorted(zk.get_children('/')))
step('root after', lambda: zk.exists('/'))
zk.stop()
step('app after session', lambda: other.exists('/app'))
other.stop()
