// The DNS responder's answer cache on a real member's registry view: a change to one service makes
// that service's answers current again and leaves every other service's cached answer alone (at
// scale a check flipping somewhere must not make every query re-derive its answer).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Question } from 'dns-packet';
import { openNode, type LodestoneNode } from '../../index.js';
import { DnsCatalog } from '../../dns/dns-catalog.js';
import { DnsResponder } from '../../dns/responder.js';
import { validateInstance } from '../../registry/records.js';
import type { RegistryView } from '../../registry/registry-view.js';

const a = (name: string): Question => ({ type: 'A', name, class: 'IN' });
const instance = (address: string): ReturnType<typeof validateInstance> => validateInstance({ address, port: 80, checks: [] });

describe('the DNS answer cache', () => {
  let node: LodestoneNode;
  let view: RegistryView;
  let catalog: DnsCatalog;
  let responder: DnsResponder;

  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.member.checks.close();
    view = node.member.registry.view;
    await view.start();
    catalog = new DnsCatalog(view);
    responder = new DnsResponder(catalog, { domain: 'lodestone', onlyPassing: true });
  });
  afterAll(async () => {
    catalog.close();
    await node.close();
  });

  const write = async (service: string, id: string, address: string): Promise<void> => {
    const { revision } = await node.member.registry.writer.register(service, id, instance(address));
    await view.waitFor(() => view.revision, revision - 1, 5000);
  };
  const addresses = (name: string): string[] => {
    const answer = responder.answer(a(name));
    return answer.groups.map((g) => [...g.answer.subarray(g.answer.length - 4)].join('.')).sort();
  };

  it("re-derives a changed service's answers and keeps the others' cached", async () => {
    await write('alpha', 'a-1', '10.0.0.1');
    await write('beta', 'b-1', '10.0.1.1');
    expect(addresses('alpha.service.lodestone')).toEqual(['10.0.0.1']);
    expect(addresses('beta.service.lodestone')).toEqual(['10.0.1.1']);

    const lookups = vi.spyOn(catalog, 'lookup');
    await write('alpha', 'a-2', '10.0.0.2');
    expect(addresses('ALPHA.service.lodestone')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(addresses('beta.service.lodestone')).toEqual(['10.0.1.1']);
    expect(lookups.mock.calls.map(([label]) => label)).toEqual(['alpha']);
    lookups.mockRestore();
  });

  it('answers a service registered after its name was answered NXDOMAIN', async () => {
    expect(responder.answer(a('gamma.service.lodestone')).rcode).toBe('NXDOMAIN');
    await write('gamma', 'g-1', '10.0.2.1');
    expect(responder.answer(a('gamma.service.lodestone')).rcode).toBe('NOERROR');
    expect(addresses('gamma.service.lodestone')).toEqual(['10.0.2.1']);
  });

  it('leaves out an instance once it is deregistered', async () => {
    expect(addresses('gamma.service.lodestone')).toEqual(['10.0.2.1']);
    const { revision } = await node.member.registry.writer.deregister('gamma', 'g-1').then(() => ({ revision: node.member.currentRevision() }));
    await view.waitFor(() => view.revision, revision - 1, 5000);
    expect(responder.answer(a('gamma.service.lodestone')).rcode).toBe('NXDOMAIN');
  });
});
