"""A Kazoo session that outlives its member: prints the port it is connected to, waits for a line on
stdin (the test kills that member meanwhile), then says whether the session and its ephemeral znode
survived, and where it is connected now.

usage: session_moves.py HOSTS
"""
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState

c = KazooClient(hosts=sys.argv[1], timeout=10.0)
states = []
reconnected = threading.Event()


def listener(state):
    states.append(str(state))
    if state == KazooState.CONNECTED and len(states) > 1:
        reconnected.set()


c.add_listener(listener)
c.start(timeout=15)
session = c.client_id[0]
path = c.create("/moving/eph-", b"here", ephemeral=True, sequence=True, makepath=True)
print(json.dumps({"port": c._connection._socket.getpeername()[1], "path": path}), flush=True)
sys.stdin.readline()
ok = reconnected.wait(30)
data, stat = c.get(path)
print(json.dumps({
    "reconnected": ok,
    "sameSession": c.client_id[0] == session,
    "ephemeralKept": stat.ephemeralOwner == session,
    "data": data.decode(),
    "port": c._connection._socket.getpeername()[1],
    "states": states,
}), flush=True)
c.stop()
c.close()
