"""Python's etcd3gw (the client of etcd's JSON gateway) against one member: put, get, get_prefix,
create, replace, delete, a lease with its keys, a watch, a prefix watch, a lock. Prints one line per
step, ids the server chose masked, for the test to compare between etcd and Lodestone.

Usage: python-etcd3gw.py HOST PORT
"""
import sys
import threading
import time

from etcd3gw.client import Etcd3Client
from etcd3gw import exceptions

host, port = sys.argv[1], int(sys.argv[2])
# etcd 3.4 serves the gateway under /v3/ (and /v3beta/); etcd3gw's default, /v3alpha/, is gone.
client = Etcd3Client(host=host, port=port, api_path='/v3/', timeout=10)


def show(label, value):
    print(f'{label}: {value!r}', flush=True)


def meta(m):
    return {k: m[k] for k in sorted(m) if k != 'lease'} | ({'lease': '<lease>'} if 'lease' in m else {})


def attempt(label, fn):
    try:
        show(label, fn())
    except exceptions.Etcd3Exception as e:
        show(label, f'{type(e).__name__}: {e.detail_text}')


try:
    Etcd3Client(host=host, port=port, timeout=10).get('x')
    show('the default /v3alpha/ path', 'answered')
except exceptions.Etcd3Exception as e:
    show('the default /v3alpha/ path', f'{type(e).__name__}: {e.detail_text.strip()}')

show('put a', client.put('py/a', 'one'))
show('put b', client.put('py/b', b'two'))
show('get a', client.get('py/a'))
show('get a with metadata', [(v, meta(m)) for v, m in client.get('py/a', metadata=True)])
show('get a missing key', client.get('py/none'))
show('get_prefix', [(v, meta(m)) for v, m in client.get_prefix('py/')])
show('get_prefix descending by key', [v for v, _ in client.get_prefix('py/', sort_order='descend', sort_target='key')])
show('get_all', [v for v, _ in client.get_all()])
show('create c', client.create('py/c', 'x'))
show('create c again', client.create('py/c', 'y'))
show('replace c x->z', client.replace('py/c', 'x', 'z'))
show('replace c x->w', client.replace('py/c', 'x', 'w'))
show('get c', client.get('py/c'))
show('delete a', client.delete('py/a'))
show('delete a again', client.delete('py/a'))
attempt('put an empty key', lambda: client.put('', 'x'))

lease = client.lease(30)
show('lease granted', lease.id > 0)
show('put with the lease', client.put('py/leased', 'v', lease=lease))
ttl = lease.ttl()
show('lease ttl', 'counting' if 0 < ttl <= 30 else ttl)
show('lease keys', lease.keys())
show('lease refresh', lease.refresh())
show('lease revoke', lease.revoke())
show('lease ttl after the revoke', lease.ttl())
show('get the leased key', client.get('py/leased'))

threading.Timer(0.5, lambda: client.put('py/w', 'watched')).start()
event = client.watch_once('py/w', timeout=10)
show('watch_once', {'type': event.get('type', 'PUT'), 'kv': meta(event['kv'])})

events, cancel = client.watch_prefix('py/p/')
time.sleep(0.5)
client.put('py/p/1', 'first')
client.delete('py/p/1')
seen = [next(events), next(events)]
cancel()
show('watch_prefix', [{'type': e.get('type', 'PUT'), 'kv': meta(e['kv'])} for e in seen])

first = client.lock('py-lock', ttl=30)
second = client.lock('py-lock', ttl=30)
show('lock acquire', first.acquire())
show('lock is_acquired', first.is_acquired())
show('second acquire while held', second.acquire())
show('lock release', first.release())
show('second acquire after the release', second.acquire())
show('second release', second.release())
second.lease.revoke()
first.lease.revoke()

status = client.status()
show('status fields', sorted(status))
show('members have ids and names', all('ID' in m and 'name' in m for m in client.members()))
show('delete_prefix', client.delete_prefix('py/'))
show('get_prefix after', client.get_prefix('py/'))
