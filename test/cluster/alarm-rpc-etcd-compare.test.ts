// Maintenance.Alarm over gRPC beside a real etcd 3.4 (one member each): GET, ACTIVATE and
// DEACTIVATE in one script, with other members' IDs, repeats and IDs that match nothing; a put
// while an activated NOSPACE is raised, and after it is cleared. Each answer (its header's ids
// masked) or error must be the same on both.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdClient, type AlarmRequest, type AlarmResponse, type PutResponse, type StatusResponse } from '../../rpc/etcd-api.js';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type Implementation } from '../support/cluster.js';

/** A member ID no member has. */
const OTHER_ID = '12345';

interface Step {
  readonly name: string;
  readonly request: AlarmRequest | 'put';
}

const alarm = (action: AlarmRequest['action'], memberID: string, type: AlarmRequest['alarm']): AlarmRequest => ({ action, memberID, alarm: type });

/** `SELF` stands for the member's own ID, filled in per implementation. */
const SELF = 'self';
const STEPS: readonly Step[] = [
  { name: 'GET with none raised', request: alarm('GET', '0', 'NONE') },
  { name: 'ACTIVATE NOSPACE for itself', request: alarm('ACTIVATE', SELF, 'NOSPACE') },
  { name: 'GET NONE (all)', request: alarm('GET', '0', 'NONE') },
  { name: 'ACTIVATE NOSPACE for itself again', request: alarm('ACTIVATE', SELF, 'NOSPACE') },
  { name: 'ACTIVATE NOSPACE for another member', request: alarm('ACTIVATE', OTHER_ID, 'NOSPACE') },
  { name: 'GET NOSPACE', request: alarm('GET', '0', 'NOSPACE') },
  { name: 'GET CORRUPT', request: alarm('GET', '0', 'CORRUPT') },
  { name: 'GET with a member ID (ignored)', request: alarm('GET', OTHER_ID, 'NONE') },
  { name: 'put while NOSPACE is raised', request: 'put' },
  { name: 'DEACTIVATE with member 0', request: alarm('DEACTIVATE', '0', 'NOSPACE') },
  { name: 'DEACTIVATE NONE', request: alarm('DEACTIVATE', SELF, 'NONE') },
  { name: 'DEACTIVATE CORRUPT (not raised)', request: alarm('DEACTIVATE', SELF, 'CORRUPT') },
  { name: 'DEACTIVATE the other member', request: alarm('DEACTIVATE', OTHER_ID, 'NOSPACE') },
  { name: 'GET after one is cleared', request: alarm('GET', '0', 'NONE') },
  { name: 'put with one still raised', request: 'put' },
  { name: 'DEACTIVATE itself', request: alarm('DEACTIVATE', SELF, 'NOSPACE') },
  { name: 'DEACTIVATE itself again', request: alarm('DEACTIVATE', SELF, 'NOSPACE') },
  { name: 'GET after all are cleared', request: alarm('GET', '0', 'NONE') },
  { name: 'put once cleared', request: 'put' },
];

function unary<Res>(invoke: (cb: (err: ServiceError | null, res?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res))));
}

const options = (): { deadline: number } => ({ deadline: Date.now() + 5000 });

/** Runs the script against a new one-member cluster: each step's answer as text, ids masked. */
async function runScript(implementation: Implementation): Promise<Map<string, string>> {
  const cluster = await TestCluster.start({ implementation, size: 1, logLevel: 'warn', readyTimeoutMs: 60_000 });
  const endpoint = cluster.member(0).endpoint;
  const maintenance = createEtcdClient('Maintenance', endpoint);
  const kv = createEtcdClient('KV', endpoint);
  try {
    const st = await unary<StatusResponse>((cb) => maintenance.Status({}, new Metadata(), options(), cb));
    const self = st.header!.member_id;
    const mask = (text: string): string => text.split(self).join('<self>').split(st.header!.cluster_id).join('<cluster>');
    const out = new Map<string, string>();
    let n = 0;
    for (const step of STEPS) {
      let answer: string;
      try {
        if (step.request === 'put') {
          const r = await unary<PutResponse>((cb) => kv.Put({ key: Buffer.from(`alarm/${n++}`), value: Buffer.from('v') }, new Metadata(), options(), cb));
          answer = `put at revision ${r.header!.revision}`;
        } else {
          const req = step.request.memberID === SELF ? { ...step.request, memberID: self } : step.request;
          const r = await unary<AlarmResponse>((cb) => maintenance.Alarm(req, new Metadata(), options(), cb));
          // etcd lists alarms in its maps' (random) order: compared sorted.
          const alarms = r.alarms.map((a) => `${a.memberID === self ? '<self>' : a.memberID}/${a.alarm}`).sort();
          answer = JSON.stringify({ header: r.header ? { ...r.header, raft_term: '<term>' } : null, alarms });
        }
      } catch (e) {
        const err = e as ServiceError;
        answer = `error ${err.code} ${err.details}`;
      }
      out.set(step.name, mask(answer));
    }
    return out;
  } finally {
    maintenance.close();
    kv.close();
    await cluster.destroy();
  }
}

const binaries = checkBinaries(['etcd'], 'comparing the Alarm call with a real etcd');

describe.skipIf(!binaries.run)('Maintenance.Alarm over gRPC, beside a real etcd 3.4', () => {
  let etcd: Map<string, string> | undefined;
  let lodestone: Map<string, string> | undefined;

  beforeAll(async () => {
    [etcd, lodestone] = await Promise.all([runScript('etcd'), runScript('lodestone')]);
  }, 90_000);

  afterAll(() => undefined);

  it.each(STEPS.map((s) => s.name))('%s: the same answer', (name) => {
    expect(lodestone?.get(name), `etcd answered ${etcd?.get(name)}`).toBe(etcd?.get(name));
  });

  it('answers as etcd does to the key steps', () => {
    expect(etcd?.get('ACTIVATE NOSPACE for itself')).toBe('{"header":null,"alarms":["<self>/NOSPACE"]}');
    expect(etcd?.get('put while NOSPACE is raised')).toBe('error 8 etcdserver: mvcc: database space exceeded');
    expect(etcd?.get('put once cleared')).toMatch(/^put at revision \d+$/);
  });
});
