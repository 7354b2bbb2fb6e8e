// The view tells its listeners of what its first read found, so that what was derived from it
// before (DNS's caches, say, built while it was still empty) is rebuilt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNode, type LodestoneNode } from '../../index.js';
import { RegistryView } from '../../registry/registry-view.js';

describe("the registry view's first read", () => {
  let node: LodestoneNode;
  beforeAll(async () => {
    node = await openNode({ inMemory: true });
    await node.put('/lodestone/services/web/web-1', JSON.stringify({ address: '10.0.0.1', port: 80 }));
    await node.put('/lodestone/service-settings/api', JSON.stringify({ protectThreshold: 0.5 }));
  });
  afterAll(async () => {
    await node?.close();
  });

  it('reaches the listeners with every service it found', async () => {
    const view = new RegistryView(node.member, node.member);
    const heard: string[][] = [];
    view.onChange((services) => heard.push([...services].sort()));
    expect(view.serviceNames()).toEqual([]);
    await view.start();
    expect(heard).toEqual([['api', 'web']]);
    expect(view.serviceNames()).toEqual(['web']);
    view.close();
  });
});
