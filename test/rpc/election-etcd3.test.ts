// The etcd3 npm client's elections against a TestMember through our KV, Watch and Lease services:
// two contenders campaign, the first leads, an observer follows the leader's value, and the
// second takes over when the first resigns.
import { Etcd3, type Campaign } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveServices, type ServedMember } from './watch-test-server.js';

describe('the etcd3 client’s elections', () => {
  let served: ServedMember;
  let client: Etcd3;

  beforeAll(async () => {
    served = await serveServices();
    client = new Etcd3({ hosts: served.address });
  });

  afterAll(async () => {
    client.close();
    await served.close();
  });

  it('elects one of two contenders, shows it to an observer, and hands over on resign', async () => {
    const election = client.election('singer', 30);
    const first = await election.campaign('alice').wait();
    expect(await election.leader()).toBe('alice');

    const observer = await election.observe();
    expect(observer.leader()).toBe('alice');
    const changes: (string | undefined)[] = [];
    const changed = (count: number): Promise<void> =>
      new Promise((resolve) => {
        const onChange = (leader: string | undefined): void => {
          changes.push(leader);
          if (changes.length === count) {
            observer.off('change', onChange);
            resolve();
          }
        };
        observer.on('change', onChange);
      });

    let secondElected = false;
    const second: Campaign = election.campaign('bob');
    second.on('elected', () => {
      secondElected = true;
    });
    const proclaimed = changed(1);
    await first.proclaim('alice, louder');
    await proclaimed;
    expect(secondElected).toBe(false);

    const handedOver = changed(2);
    await first.resign();
    await second.wait();
    await handedOver;
    expect(changes).toEqual(['alice, louder', 'bob']);
    expect(await election.leader()).toBe('bob');

    await observer.cancel();
    await second.resign();
    expect(await election.leader()).toBeUndefined();
  });
});
