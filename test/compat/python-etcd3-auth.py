"""Python's etcd3 client (python3-etcd3 0.12, Debian's) against a cluster with auth on, for
python-etcd3-auth.test.ts: it logs in as alice, whose role reads and writes app/ and reads shared,
and prints one line per step — "ok" and what came back, or the exception's class and message (for a
gRPC error its status code and details: the rest of its text names addresses and times).

  python-etcd3-auth.py HOST PORT [--ca CA_FILE]

With --ca the client dials TLS, verifying the server with that CA. Without it the channel is
plaintext, where this version of the client cannot send its token as it means to: it attaches the
token as gRPC call credentials, which gRPC refuses to send over an insecure channel, failing every
call on the client side. The script shows that, then lets the client send the token as plain
metadata only (which it also does), and goes on.
"""
import argparse

import etcd3
import grpc


def failure(e):
    name = type(e).__name__
    if isinstance(e, grpc.RpcError) and callable(getattr(e, 'code', None)):
        return '{} {}: {}'.format(name, e.code().name, e.details())
    return '{}: {}'.format(name, e)


def step(label, f):
    try:
        shown = f()
        print('{}: ok{}'.format(label, '' if shown is None else ' ' + shown))
    except Exception as e:  # the exception is the answer being compared
        print('{}: {}'.format(label, failure(e)))


def text(b):
    return None if b is None else b.decode()


def value(client, key):
    v, _ = client.get(key)
    return repr(text(v))


def inside_and_outside(c):
    step('put app/a', lambda: c.put('app/a', '1') and None)
    step('get app/a', lambda: value(c, 'app/a'))
    step('get_prefix app/', lambda: ' '.join('{}={}'.format(text(m.key), text(v)) for v, m in c.get_prefix('app/')))
    step('get shared (read-only)', lambda: value(c, 'shared'))
    step('put shared (read-only)', lambda: c.put('shared', 'x') and None)
    step('get secret', lambda: value(c, 'secret'))
    step('put secret', lambda: c.put('secret', 'x') and None)
    step('delete secret', lambda: str(c.delete('secret')))
    step('get_all', lambda: str(len(list(c.get_all()))))
    step('transaction inside', lambda: str(c.transaction(
        compare=[c.transactions.value('app/a') == '1'],
        success=[c.transactions.put('app/b', '2')],
        failure=[])[0]))
    step('transaction reaching secret', lambda: str(c.transaction(
        compare=[c.transactions.value('app/a') == '1'],
        success=[c.transactions.get('secret')],
        failure=[])[0]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('host')
    parser.add_argument('port', type=int)
    parser.add_argument('--ca')
    args = parser.parse_args()

    def client(**auth):
        return etcd3.client(args.host, args.port, ca_cert=args.ca, timeout=10, **auth)

    alice = client(user='alice', password='alicepw')
    if args.ca is None:
        step('put app/a, token as call credentials on a plaintext channel', lambda: alice.put('app/a', '1') and None)
        alice.call_credentials = None
        print('-- the token as metadata only --')
    inside_and_outside(alice)
    alice.close()

    step('log in with a wrong password', lambda: client(user='alice', password='nope') and None)
    step('log in as a user that does not exist', lambda: client(user='mallory', password='x') and None)
    anonymous = client()
    step('get app/a without logging in', lambda: value(anonymous, 'app/a'))
    anonymous.close()
    root = client(user='root', password='rootpw')
    if args.ca is None:
        root.call_credentials = None
    step('get secret as root', lambda: value(root, 'secret'))
    root.close()


if __name__ == '__main__':
    main()
