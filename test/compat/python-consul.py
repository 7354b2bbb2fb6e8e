# python-consul (Debian's python3-consul) against Lodestone's Consul API, one member for each role:
# registers a service with a TTL check through the first, passes the check through the second, and
# reads health (passing only, with a blocking query), the catalog and the agent through the third,
# then deregisters. Prints one line per step for the test to compare.
import sys

import consul

endpoints = [e.rsplit(':', 1) for e in sys.argv[1:4]]
first, second, third = [consul.Consul(host=h, port=int(p)) for h, p in endpoints]


def ids(nodes):
    return sorted(n['Service']['ID'] for n in nodes)


print('register:', first.agent.service.register(
    'web', service_id='web-1', address='10.1.0.7', port=8080, tags=['v1'], check=consul.Check.ttl('30s')))
print('register another:', first.agent.service.register('web', service_id='web-2', address='10.1.0.8', port=8080))

# Wait (blocking on the index) until the third member sees both instances.
index, nodes = third.health.service('web')
while len(nodes) < 2:
    index, nodes = third.health.service('web', index=index, wait='10s')
print('health all:', ids(nodes), [c['Status'] for c in nodes[0]['Checks']])
index, passing = third.health.service('web', passing=True)
print('health passing before:', ids(passing))

print('ttl_pass:', second.agent.check.ttl_pass('service:web-1', notes='ready'))
while len(passing) < 2:
    index, passing = third.health.service('web', passing=True, index=index, wait='10s')
web1 = [n for n in passing if n['Service']['ID'] == 'web-1'][0]
print('health passing after:', ids(passing), web1['Checks'][0]['Status'], web1['Checks'][0]['Output'])
print('node:', web1['Node']['Node'], web1['Node']['Address'], web1['Service']['Address'], web1['Service']['Port'])

_, services = third.catalog.services()
print('catalog services:', services)
_, entries = third.catalog.service('web', tag='v1')
print('catalog service v1:', [(e['ServiceID'], e['ServiceAddress'], e['ServicePort'], e['ServiceTags']) for e in entries])
print('datacenter:', third.agent.self()['Config']['Datacenter'])

print('ttl_fail:', second.agent.check.ttl_fail('service:web-1', notes='gone'))
print('deregister:', first.agent.service.deregister('web-1'), first.agent.service.deregister('web-2'))
index, services = third.catalog.services()
while 'web' in services:
    index, services = third.catalog.services(index=index, wait='10s')
print('catalog after:', services)
# A report for a check that is gone: python-consul answers False for Consul's 404.
print('ttl_pass after:', second.agent.check.ttl_pass('service:web-1'))
