"""The same Kazoo program against real ZooKeeper and against Lodestone: each scenario prints what a
program would see, one JSON line per step, with what differs between any two servers by nature
(zxids, times, session ids) replaced by what it means (equal to another zxid, the session's own id).
Where a session reads what another session wrote, it syncs first, as ZooKeeper's contract asks: a
ZooKeeper server (and a Lodestone member) answers reads from its own replica, which may trail the
leader by a moment.

usage: suite.py HOSTS SCENARIO...
"""
import json
import subprocess
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.protocol.states import EventType

HOSTS = sys.argv[1]
ROOT = "/kazoo-suite"


def out(step, **fields):
    print(json.dumps({"step": step, **fields}, sort_keys=True), flush=True)


def client(timeout=10.0, **kw):
    c = KazooClient(hosts=HOSTS, timeout=timeout, **kw)
    c.start(timeout=15)
    return c


def err(e):
    return type(e).__name__


def stat_view(st, session=None):
    """The stat's fields that mean the same on any server."""
    return {
        "version": st.version,
        "cversion": st.cversion,
        "aversion": st.aversion,
        "dataLength": st.dataLength,
        "numChildren": st.numChildren,
        "ephemeral": st.ephemeralOwner != 0,
        "ownerIsSession": session is not None and st.ephemeralOwner == session,
        "created=modified": st.czxid == st.mzxid,
        "pzxid>=czxid": st.pzxid >= st.czxid,
        "ctime<=mtime": st.ctime <= st.mtime,
    }


def fresh(c):
    c.delete(ROOT, recursive=True) if c.exists(ROOT) else None
    c.create(ROOT)


def crud(c):
    path, st = c.create(ROOT + "/crud", b"one", include_data=True)
    out("create", path=path, stat=stat_view(st))
    data, st = c.get(ROOT + "/crud")
    out("get", data=data.decode(), stat=stat_view(st))
    st = c.set(ROOT + "/crud", b"two", version=0)
    out("set v0", stat=stat_view(st))
    try:
        c.set(ROOT + "/crud", b"three", version=0)
    except KazooException as e:
        out("set stale version", error=err(e))
    try:
        c.create(ROOT + "/crud", b"again")
    except KazooException as e:
        out("create existing", error=err(e))
    try:
        c.create(ROOT + "/missing/child")
    except KazooException as e:
        out("create under missing", error=err(e))
    c.create(ROOT + "/crud/kid", b"")
    st = c.exists(ROOT + "/crud")
    out("parent after child", stat=stat_view(st))
    try:
        c.delete(ROOT + "/crud")
    except KazooException as e:
        out("delete with child", error=err(e))
    c.delete(ROOT + "/crud/kid")
    try:
        c.delete(ROOT + "/crud", version=0)
    except KazooException as e:
        out("delete stale version", error=err(e))
    c.delete(ROOT + "/crud", version=1)
    out("deleted", exists=c.exists(ROOT + "/crud") is not None)
    try:
        c.get(ROOT + "/crud")
    except KazooException as e:
        out("get deleted", error=err(e))
    c.create(ROOT + "/empty")
    data, st = c.get(ROOT + "/empty")
    out("empty data", data=data.decode(), stat=stat_view(st))
    c.ensure_path(ROOT + "/a/b/c")
    out("ensure_path", children=sorted(c.get_children(ROOT + "/a/b")))
    st = c.exists(ROOT)
    out("root of suite", stat=stat_view(st))


def ephemerals(c):
    owner = client()
    path = owner.create(ROOT + "/eph", b"x", ephemeral=True)
    c.sync(path)
    st = c.exists(path)
    out("ephemeral seen by another session", stat=stat_view(st, owner.client_id[0]),
        ownerIsItsSession=st.ephemeralOwner == owner.client_id[0])
    try:
        owner.create(path + "/child")
    except KazooException as e:
        out("child of ephemeral", error=err(e))
    gone = threading.Event()

    def watch(event):
        if event.type == EventType.DELETED:
            gone.set()

    c.exists(path, watch=watch)
    owner.stop()
    owner.close()
    out("gone on session close", gone=gone.wait(10), exists=c.exists(path) is not None)


def expiry(c):
    """A session whose process dies: its ephemerals go once its timeout passes."""
    child = subprocess.Popen(
        [sys.executable, __file__, HOSTS, "_hold_ephemeral"], stdout=subprocess.PIPE, text=True
    )
    line = child.stdout.readline().strip()
    c.sync(line)
    exists_before = c.exists(line) is not None
    parent_before = c.exists(ROOT)
    child.kill()
    child.wait()
    started = time.time()
    while c.exists(line) is not None and time.time() - started < 30:
        time.sleep(0.2)
    waited = time.time() - started
    out("expired session's ephemeral", existedBefore=exists_before, goneWithin20s=waited < 20,
        goneAfter2s=waited > 2)
    # An expiry is a closeSession: the ephemeral's parent sees a child go (cversion, pzxid).
    c.sync(ROOT)
    parent_after = c.exists(ROOT)
    out("parent after the expiry", cversionUp=parent_after.cversion - parent_before.cversion,
        pzxidMoved=parent_after.pzxid > parent_before.pzxid,
        childrenDown=parent_before.numChildren - parent_after.numChildren)


def _hold_ephemeral():
    c = client(timeout=4.0)
    path = c.create(ROOT + "/held-", b"", ephemeral=True, sequence=True)
    print(path, flush=True)
    time.sleep(120)


def sequential(c):
    c.create(ROOT + "/seq")
    names = [c.create(ROOT + "/seq/n-", sequence=True) for _ in range(3)]
    c.create(ROOT + "/seq/other")
    names.append(c.create(ROOT + "/seq/n-", sequence=True, ephemeral=True))
    out("sequential names", names=names)
    out("children", children=sorted(c.get_children(ROOT + "/seq")))
    st = c.exists(ROOT + "/seq")
    out("parent", stat=stat_view(st))


def child_watch(c):
    c.create(ROOT + "/cw")
    events = []
    fired = threading.Event()

    def watch(event):
        events.append((event.type, event.path))
        fired.set()

    out("children", children=c.get_children(ROOT + "/cw", watch=watch))
    c.create(ROOT + "/cw/one")
    fired.wait(10)
    c.create(ROOT + "/cw/two")
    time.sleep(0.5)
    out("child watch fired once", events=events)


def data_watch(c):
    c.create(ROOT + "/dw", b"0")
    events = []
    fired = threading.Event()

    def watch(event):
        events.append((event.type, event.path))
        fired.set()

    data, _ = c.get(ROOT + "/dw", watch=watch)
    c.set(ROOT + "/dw", b"1")
    fired.wait(10)
    c.set(ROOT + "/dw", b"2")
    time.sleep(0.5)
    out("data watch fired once", first=data.decode(), events=events)
    # An exists watch on a missing node fires on its creation.
    created = threading.Event()
    c.exists(ROOT + "/dw-later", watch=lambda e: created.set() if e.type == EventType.CREATED else None)
    c.create(ROOT + "/dw-later")
    out("exists watch on creation", fired=created.wait(10))
    # The ordering guarantee: the event comes before the data that changed.
    seen = []
    order = threading.Event()

    def ordered(event):
        seen.append("event")
        order.set()

    other = client()
    c.get(ROOT + "/dw", watch=ordered)
    other.set(ROOT + "/dw", b"3")
    other.stop()
    other.close()
    order.wait(10)
    data, _ = c.get(ROOT + "/dw")
    seen.append("data " + data.decode())
    out("event before new data", seen=seen)


def multi(c):
    c.create(ROOT + "/tx", b"v0")
    t = c.transaction()
    t.create(ROOT + "/tx/a", b"a")
    t.set_data(ROOT + "/tx", b"v1", version=0)
    t.check(ROOT + "/tx", 0)
    t.create(ROOT + "/tx/b", b"b")
    results = t.commit()
    out("multi that fails a check", results=[err(r) if isinstance(r, Exception) else r for r in results])
    out("nothing written", children=sorted(c.get_children(ROOT + "/tx")), data=c.get(ROOT + "/tx")[0].decode())
    t = c.transaction()
    t.create(ROOT + "/tx/a", b"a")
    t.set_data(ROOT + "/tx", b"v1", version=0)
    t.check(ROOT + "/tx", 1)
    t.delete(ROOT + "/tx/a")
    results = t.commit()
    out("multi that succeeds", results=[err(r) if isinstance(r, Exception) else (r if not hasattr(r, "version") else stat_view(r)) for r in results])
    out("written", children=sorted(c.get_children(ROOT + "/tx")), data=c.get(ROOT + "/tx")[0].decode())
    # Deleted and created again in one multi: a new znode, created at the multi's zxid.
    c.create(ROOT + "/tx/again", b"old")
    c.set(ROOT + "/tx/again", b"older")
    t = c.transaction()
    t.delete(ROOT + "/tx/again")
    t.create(ROOT + "/tx/again", b"new")
    t.commit()
    data, st = c.get(ROOT + "/tx/again")
    out("deleted and created again", data=data.decode(), stat=stat_view(st))


def recipes(c):
    from kazoo.recipe.barrier import Barrier
    from kazoo.recipe.counter import Counter
    from kazoo.recipe.election import Election
    from kazoo.recipe.lock import Lock
    from kazoo.recipe.queue import LockingQueue, Queue
    from kazoo.recipe.watchers import ChildrenWatch, DataWatch

    other = client()
    # Lock: the second holder waits for the first.
    order = []
    lock_a = Lock(c, ROOT + "/lock", "a")
    lock_b = Lock(other, ROOT + "/lock", "b")
    lock_a.acquire()
    order.append("a acquired")
    t = threading.Thread(target=lambda: (lock_b.acquire(timeout=20), order.append("b acquired"), lock_b.release()))
    t.start()
    time.sleep(1.0)
    c.sync(ROOT + "/lock")
    out("lock held", contenders=sorted(lock_a.contenders()), bWaiting=t.is_alive())
    order.append("a releasing")
    lock_a.release()
    t.join(20)
    out("lock order", order=order)
    # Election: the first to run leads; when it stops the next one does.
    leaders = []
    first_in = threading.Event()
    release_first = threading.Event()

    def lead(name, wait=None):
        def run():
            leaders.append(name)
            if wait is not None:
                first_in.set()
                wait.wait(20)
        return run

    e1 = Election(c, ROOT + "/election", "one")
    e2 = Election(other, ROOT + "/election", "two")
    t1 = threading.Thread(target=lambda: e1.run(lead("one", release_first)))
    t1.start()
    first_in.wait(10)
    t2 = threading.Thread(target=lambda: e2.run(lead("two")))
    t2.start()
    time.sleep(1.0)
    c.sync(ROOT + "/election")
    out("election contenders", contenders=sorted(e1.contenders()))
    release_first.set()
    t1.join(20)
    t2.join(20)
    out("election leaders in turn", leaders=leaders)
    # Counter.
    counter = Counter(c, ROOT + "/counter")
    counter += 5
    counter -= 2
    other_counter = Counter(other, ROOT + "/counter")
    other_counter += 10
    c.sync(ROOT + "/counter")
    out("counter", value=counter.value)
    # Barrier.
    barrier = Barrier(c, ROOT + "/barrier")
    barrier.create()
    passed = []
    waiter = threading.Thread(target=lambda: passed.append(Barrier(other, ROOT + "/barrier").wait(20)))
    waiter.start()
    time.sleep(0.5)
    out("barrier holds", waiting=waiter.is_alive())
    barrier.remove()
    waiter.join(20)
    out("barrier lifted", passed=passed)
    # DataWatch and ChildrenWatch.
    c.create(ROOT + "/watched", b"first")
    datas = []
    kids = []
    DataWatch(other, ROOT + "/watched", lambda data, stat: datas.append(None if data is None else data.decode()))
    ChildrenWatch(other, ROOT + "/watched", lambda children: kids.append(sorted(children)))
    c.set(ROOT + "/watched", b"second")
    c.create(ROOT + "/watched/x")
    time.sleep(1.0)
    c.delete(ROOT + "/watched/x")
    time.sleep(1.0)
    out("DataWatch", seen=datas)
    out("ChildrenWatch", seen=kids)
    # Queues.
    q = Queue(c, ROOT + "/queue")
    for item in (b"one", b"two", b"three"):
        q.put(item)
    other.sync(ROOT + "/queue")
    out("queue", length=len(q), first=q.get().decode(), second=Queue(other, ROOT + "/queue").get().decode())
    lq = LockingQueue(c, ROOT + "/lqueue")
    lq.put(b"job-1", priority=10)
    lq.put(b"job-0", priority=1)
    taken = lq.get(5).decode()
    lq.consume()
    out("locking queue", taken=taken, left=len(lq))
    other.stop()
    other.close()


def get_service(c):
    """The founding article's pattern: instances under /services/<name>, found with get_children."""
    import json as j

    inst = client()
    for i, port in enumerate((8081, 8082)):
        inst.create("/services/my_service/instance-%d" % i, j.dumps({"host": "127.0.0.1", "port": port}).encode(),
                    ephemeral=True, makepath=True)

    def get_service_instances(name):
        base = "/services/" + name
        return sorted(j.loads(c.get(base + "/" + kid)[0]) ["port"] for kid in c.get_children(base))

    c.sync("/services/my_service")
    out("get_service", ports=get_service_instances("my_service"))
    inst.stop()
    inst.close()
    c.sync("/services/my_service")
    out("after the instances stopped", ports=get_service_instances("my_service"))


SUPER_PASSWORD = "super-secret"


def super_digest(c):
    """A znode only alice may touch: no one else passes its ACL, but the super digest's user does."""
    from kazoo.exceptions import NoAuthError
    from kazoo.security import make_digest_acl

    alice = client(auth_data=[("digest", "alice:pw")])
    path = ROOT + "/private"
    alice.create(path, b"alice's", acl=[make_digest_acl("alice", "pw", all=True)])
    others = {
        "anonymous": client(),
        "bob": client(auth_data=[("digest", "bob:pw")]),
        "super, wrong password": client(auth_data=[("digest", "super:wrong")]),
    }
    for who, other in others.items():
        other.sync(path)
        try:
            other.get(path)
            out("get as " + who, error=None)
        except NoAuthError as e:
            out("get as " + who, error=err(e))
    sup = client(auth_data=[("digest", "super:" + SUPER_PASSWORD)])
    sup.sync(path)
    data, st = sup.get(path)
    out("get as super", data=data.decode(), stat=stat_view(st))
    st = sup.set(path, b"super's", version=0)
    out("set as super", stat=stat_view(st))
    acl, st = sup.get_acls(path)
    out("getACL as super", acl=[[a.perms, a.id.scheme, a.id.id] for a in acl])
    sup.create(path + "/kid", b"")
    out("create under it as super", children=sup.get_children(path))
    sup.delete(path, recursive=True)
    out("delete as super", exists=sup.exists(path) is not None)
    for other in [alice, sup, *others.values()]:
        other.stop()
        other.close()


SCENARIOS = {
    "crud": crud,
    "ephemerals": ephemerals,
    "expiry": expiry,
    "sequential": sequential,
    "child_watch": child_watch,
    "data_watch": data_watch,
    "multi": multi,
    "recipes": recipes,
    "get_service": get_service,
    "super_digest": super_digest,
}

if __name__ == "__main__":
    if sys.argv[2] == "_hold_ephemeral":
        _hold_ephemeral()
        sys.exit(0)
    c = client()
    fresh(c)
    for name in sys.argv[2:]:
        out("scenario", name=name)
        SCENARIOS[name](c)
    c.stop()
    c.close()
