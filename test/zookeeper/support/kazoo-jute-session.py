# One Kazoo session doing every operation Kazoo has, in a fixed order, against the ZooKeeper at
# argv[1]. Frames are captured by a proxy in between. Midway it prints DROP and waits for a line on
# stdin: the proxy cuts the connection meanwhile, so Kazoo reconnects and re-arms its watches with
# SetWatches. Prints one line per step so a failure shows where it stopped.
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NodeExistsError, NotEmptyError
from kazoo.protocol.states import KazooState
from kazoo.security import make_digest_acl

hosts = sys.argv[1]
zk = KazooClient(hosts=hosts, timeout=6, connection_retry={'max_tries': -1, 'delay': 0.1, 'max_delay': 0.5})
reconnected = threading.Event()
was_lost = threading.Event()


def on_state(state):
    if state != KazooState.CONNECTED:
        was_lost.set()
    elif was_lost.is_set():
        reconnected.set()


zk.add_listener(on_state)
zk.start(timeout=15)


def step(name):
    print(name, flush=True)


def watch_event():
    fired = threading.Event()
    return fired, (lambda _event: fired.set())


zk.create('/jute', b'root')
zk.create('/jute/persistent', b'hello')
zk.create('/jute/ephemeral', b'eph', ephemeral=True)
seq = zk.create('/jute/seq-', b's', sequence=True)
zk.create('/jute/eseq-', b'es', ephemeral=True, sequence=True)
zk.create('/jute/with-stat', b'c2', include_data=True)
step('created ' + seq)
try:
    zk.create('/jute/persistent', b'again')
except NodeExistsError:
    step('NodeExists')

zk.exists('/jute/persistent')
zk.exists('/jute/missing')
zk.get('/jute/persistent')
zk.set('/jute/persistent', b'world', version=0)
try:
    zk.set('/jute/persistent', b'stale', version=7)
except BadVersionError:
    step('BadVersion')
zk.get_children('/jute')
zk.get_children('/jute', include_data=True)
try:
    zk.get('/jute/missing')
except NoNodeError:
    step('NoNode')

zk.get_acls('/jute/persistent')
zk.add_auth('digest', 'alice:secret')
zk.set_acls('/jute/persistent', [make_digest_acl('alice', 'secret', all=True)])
zk.get_acls('/jute/persistent')
zk.sync('/jute')
step('acl and sync')

t = zk.transaction()
t.create('/jute/multi-a', b'a')
t.check('/jute/with-stat', 0)
t.set_data('/jute/with-stat', b'm')
t.delete(seq)
step('multi ok ' + repr(t.commit()))
t = zk.transaction()
t.create('/jute/multi-b', b'b')
t.delete('/jute/missing')
t.set_data('/jute/with-stat', b'never')
step('multi failed ' + repr(t.commit()))

zk.delete('/jute/multi-a', version=0)
try:
    zk.delete('/jute')
except NotEmptyError:
    step('NotEmpty')

# One-shot watches, each fired by a change.
zk.create('/jute/watched', b'w0')
data_fired, on_data = watch_event()
zk.get('/jute/watched', watch=on_data)
zk.set('/jute/watched', b'w1')
child_fired, on_child = watch_event()
zk.get_children('/jute/watched', watch=on_child)
zk.create('/jute/watched/kid', b'')
exists_fired, on_exists = watch_event()
zk.exists('/jute/appears', watch=on_exists)
zk.create('/jute/appears', b'')
deleted_fired, on_deleted = watch_event()
zk.exists('/jute/appears', watch=on_deleted)
zk.delete('/jute/appears')
for fired in (data_fired, child_fired, exists_fired, deleted_fired):
    assert fired.wait(10), 'a watch did not fire'
step('watches fired')

# Watches armed before a disconnect are re-armed with SetWatches after it.
rewatch_fired, on_rewatch = watch_event()
zk.get('/jute/watched', watch=on_rewatch)
zk.exists('/jute/not-yet', watch=lambda _e: None)
zk.get_children('/jute/watched', watch=lambda _e: None)
print('DROP', flush=True)
sys.stdin.readline()
assert reconnected.wait(20), 'did not reconnect'
zk.set('/jute/watched', b'w2')
assert rewatch_fired.wait(10), 'the re-armed watch did not fire'
step('rewatched')

# Idle long enough for Kazoo to ping (a third of the 6 s session timeout, give or take).
import time

time.sleep(4)
session = zk.client_id
zk.stop()
zk.close()
step('closed')

# Re-attaching to the closed session: the server answers the handshake with timeOut 0 (expired),
# and Kazoo then starts a new session.
zk = KazooClient(hosts=hosts, timeout=6, client_id=session)
zk.start(timeout=15)
assert zk.client_id[0] != session[0], 'no new session after the expired one'
zk.stop()
zk.close()
step('expired, then a new session')
