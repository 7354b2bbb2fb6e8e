// etcd's JSON gateway beside a real etcd: the same HTTP requests go to etcd 3.4 and to Lodestone
// (one member, and three through a follower), on the members' client URLs, and the answers must be
// the same — status, the headers grpc-gateway sets, trailers, and the JSON, for every route family
// and for requests the gateway cannot read. What legitimately differs between two clusters (ids,
// ports, terms) is masked (gateway-masks.ts); the few answers where Lodestone's services differ
// from etcd 3.4's whatever the transport are named where they are normalised.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { itAnswersAsEtcd, useClustersBesideEtcd, type ComparedCluster } from '../support/beside-etcd.js';
import { checkBinaries } from '../support/binaries.js';
import { describeAnswer, GatewayClient, type GatewayAnswer, type GatewayStream } from './gateway-client.js';
import { GatewayMasks } from './gateway-masks.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A script's view of one cluster's gateway: requests, and their answers as masked lines. */
class Session {
  readonly masks = new GatewayMasks();
  readonly lines: string[] = [];
  readonly http: GatewayClient;

  constructor(readonly target: ComparedCluster) {
    this.http = new GatewayClient(target.endpoint);
  }

  /** Posts, writes the answer down under `label`, and returns it parsed (when it is JSON). */
  async post(label: string, path: string, body?: string | object, headers?: Record<string, string>, method?: string): Promise<Record<string, unknown>> {
    const answer = await this.http.post(path, body, { ...(headers ? { headers } : {}), ...(method ? { method } : {}) });
    this.record(label, answer);
    return parse(answer);
  }

  record(label: string, answer: GatewayAnswer, body = answer.body): void {
    this.lines.push(`${label}: ${describeAnswer(answer, this.masks.body(body))}`);
  }

  /** As record(), the body byte for byte but for the ids and term of its header. */
  recordRaw(label: string, answer: GatewayAnswer): void {
    this.lines.push(`${label}: ${describeAnswer(answer, answer.body.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"<masked>"'))}`);
  }

  /** The next line of a stream, masked. */
  async line(label: string, stream: GatewayStream): Promise<Record<string, unknown>> {
    const line = await stream.next();
    this.lines.push(`${label}: ${line === undefined ? '<end>' : this.masks.body(line)}`);
    return line === undefined ? {} : (JSON.parse(line) as Record<string, unknown>);
  }

  streamHead(label: string, stream: GatewayStream): void {
    const h = stream.headers ?? {};
    const shown = ['content-type', 'grpc-metadata-content-type'].filter((k) => h[k] !== undefined).map((k) => `${k}=${String(h[k])}`);
    this.lines.push(`${label}: ${String(stream.status)} ${shown.join(' ')}`);
  }

  close(): void {
    this.http.close();
  }
}

function parse(a: GatewayAnswer): Record<string, unknown> {
  try {
    return JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function withSession(target: ComparedCluster, script: (s: Session) => Promise<void>): Promise<string[]> {
  const s = new Session(target);
  try {
    await script(s);
  } finally {
    s.close();
  }
  return s.lines;
}

const kvScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    await s.post('put a', '/v3/kv/put', { key: b64('gw/a'), value: b64('1') });
    await s.post('put b, prev_kv', '/v3/kv/put', { key: b64('gw/b'), value: b64('2'), prev_kv: true });
    await s.post('put b again, prev_kv', '/v3/kv/put', { key: b64('gw/b'), value: b64('3'), prev_kv: true });
    await s.post('put c under /v3beta', '/v3beta/kv/put', { key: b64('gw/c'), value: b64('') });
    await s.post('put with ignore_value on a new key', '/v3/kv/put', { key: b64('gw/none'), ignore_value: true });
    await s.post('put with ignore_value and a value', '/v3/kv/put', { key: b64('gw/a'), value: b64('x'), ignore_value: true });
    await s.post('put with an ungranted lease', '/v3/kv/put', { key: b64('gw/a'), value: b64('x'), lease: '12345' });
    await s.post('range one key', '/v3/kv/range', { key: b64('gw/a') });
    await s.post('range the prefix', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0') });
    await s.post('range, camelCase names, numbers as numbers', '/v3/kv/range', { key: b64('gw/'), rangeEnd: b64('gw0'), limit: 2, sortOrder: 'DESCEND', sortTarget: 'MOD' });
    await s.post('range, enums by number, limit as a string', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), limit: '1', sort_order: 1, sort_target: 2 });
    await s.post('range keys_only', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), keys_only: true });
    await s.post('range count_only', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), count_only: true });
    await s.post('range serializable, from key', '/v3/kv/range', { key: b64('gw/b'), range_end: b64('\0'), serializable: true });
    await s.post('range at revision 2', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), revision: 2 });
    await s.post('range at a future revision', '/v3/kv/range', { key: b64('gw/'), revision: '1000000' });
    await s.post('range with min/max revisions', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), min_mod_revision: '3', max_create_revision: '4' });
    await s.post('range nothing', '/v3/kv/range', { key: b64('gw/zzz') });
    await s.post('txn: compare value, version, create, mod, lease; put, range, delete, nested txn', '/v3/kv/txn', {
      compare: [
        { key: b64('gw/a'), target: 'VALUE', result: 'EQUAL', value: b64('1') },
        { key: b64('gw/b'), target: 'VERSION', result: 'GREATER', version: '1' },
        { key: b64('gw/a'), target: 'CREATE', result: 'LESS', create_revision: 100 },
        { key: b64('gw/a'), target: 'MOD', result: 'NOT_EQUAL', mod_revision: '0' },
        { key: b64('gw/a'), target: 'LEASE', lease: '0' },
      ],
      success: [
        { request_put: { key: b64('gw/t'), value: b64('txn'), prev_kv: true } },
        { request_range: { key: b64('gw/'), range_end: b64('gw0'), count_only: true } },
        { request_delete_range: { key: b64('gw/c'), prev_kv: true } },
        { request_txn: { success: [{ request_range: { key: b64('gw/t') } }] } },
      ],
      failure: [{ request_put: { key: b64('gw/failed'), value: b64('f') } }],
    });
    await s.post('txn taking the failure branch', '/v3/kv/txn', {
      compare: [{ key: b64('gw/a'), target: 'VALUE', value: b64('no') }],
      success: [{ request_put: { key: b64('gw/never'), value: b64('x') } }],
      failure: [{ requestRange: { key: b64('gw/a') } }],
    });
    await s.post('txn with a duplicate key', '/v3/kv/txn', { success: [{ request_put: { key: b64('gw/d') } }, { request_put: { key: b64('gw/d') } }] });
    await s.post('an empty txn', '/v3/kv/txn', {});
    await s.post('deleterange one key, prev_kv', '/v3/kv/deleterange', { key: b64('gw/t'), prev_kv: true });
    await s.post('deleterange a range', '/v3/kv/deleterange', { key: b64('gw/a'), range_end: b64('gw/c') });
    await s.post('deleterange nothing', '/v3/kv/deleterange', { key: b64('gw/zzz') });
    await s.post('compaction to 3', '/v3/kv/compaction', { revision: '3', physical: true });
    await s.post('range at a compacted revision', '/v3/kv/range', { key: b64('gw/'), range_end: b64('gw0'), revision: '2' });
    await s.post('compaction to a future revision', '/v3/kv/compaction', { revision: '100000' });
    await s.post('compaction to a compacted revision', '/v3/kv/compaction', { revision: '2' });
  });

const watchScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const put = (key: string, value: string): Promise<Record<string, unknown>> => s.post(`put ${key}=${value}`, '/v3/kv/put', { key: b64(key), value: b64(value) });
    await put('w/a', '1');
    await put('w/b', '2');
    const first = await s.post('range w/', '/v3/kv/range', { key: b64('w/'), range_end: b64('w0') });
    const start = Number((first.header as { revision: string }).revision) - 1;

    const history = s.http.stream('/v3/watch', { create_request: { key: b64('w/'), range_end: b64('w0'), start_revision: String(start) } });
    await history.answered;
    s.streamHead('watch w/ from history', history);
    await s.line('  created', history);
    await s.line('  history', history);
    history.close();

    const live = s.http.stream('/v3beta/watch', { create_request: { key: b64('w/'), range_end: b64('w0'), prev_kv: true } });
    await live.answered;
    s.streamHead('watch w/ live, prev_kv, under /v3beta', live);
    await s.line('  created', live);
    await put('w/a', '3');
    await s.line('  put', live);
    await s.post('delete w/b', '/v3/kv/deleterange', { key: b64('w/b') });
    await s.line('  delete', live);
    live.close();

    const filtered = s.http.stream('/v3/watch', { create_request: { key: b64('w/a'), filters: ['NOPUT'], watch_id: '7' } });
    await filtered.answered;
    s.streamHead('watch w/a, NOPUT, watch_id 7', filtered);
    await s.line('  created', filtered);
    await put('w/a', '4');
    await s.post('delete w/a', '/v3/kv/deleterange', { key: b64('w/a') });
    await s.line('  only the delete', filtered);
    filtered.close();

    // More requests in the same body: a second watcher, a cancel of the first, then one that cannot be read.
    const several = s.http.stream('/v3/watch', `{"create_request":{"key":"${b64('w/x')}"}} {"create_request":{"key":"${b64('w/y')}","watch_id":"5"}}\n{"cancel_request":{"watch_id":"0"}} {"bogus":`);
    await several.answered;
    s.streamHead('watch, then another, then cancel the first, then a request cut short', several);
    await s.line('  created 0', several);
    await s.line('  created 5', several);
    await s.line('  canceled 0', several);
    await put('w/y', 'still watched');
    await s.line('  w/y', several);
    several.close();

    const compacted = s.http.stream('/v3/watch', { create_request: { key: b64('w/'), start_revision: '1' } });
    await s.post('compact', '/v3/kv/compaction', { revision: String(start + 2) });
    const late = s.http.stream('/v3/watch', { create_request: { key: b64('w/'), start_revision: '1' } });
    await late.answered;
    s.streamHead('watch below the compaction', late);
    await s.line('  created', late);
    await s.line('  canceled', late);
    late.close();
    compacted.close();

    const silent = s.http.stream('/v3/watch', '');
    s.lines.push(`watch with an empty body: ${(await silent.silentFor(1000)) ? 'no answer yet' : `answered ${String(silent.status)}`}`);
    silent.close();

    for (const [label, body] of [
      ['a body cut short', '{"create_request":{"key":"dw=="'],
      ['a body that is not JSON', 'nope'],
      ['a bad key', '{"create_request":{"key":"!"}}'],
    ] as const) {
      s.record(`watch with ${label}`, await s.http.post('/v3/watch', body));
    }
  });

const leaseScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const granted = await s.http.post('/v3/lease/grant', { TTL: 60 });
    s.masks.lease((JSON.parse(granted.body) as { ID: string }).ID);
    s.record('grant TTL 60, the server chooses the id', granted);
    const id = (JSON.parse(granted.body) as { ID: string }).ID;
    await s.post('grant id 1234, TTL 120', '/v3/lease/grant', { ID: '1234', TTL: '120' });
    await s.post('grant id 1234 again', '/v3/lease/grant', { ID: 1234, TTL: 120 });
    await s.post('grant a TTL too large', '/v3/lease/grant', { TTL: '9000000001' });
    await s.post('put with the lease', '/v3/kv/put', { key: b64('l/a'), value: b64('v'), lease: id });
    await s.post('put with lease 1234', '/v3/kv/put', { key: b64('l/b'), value: b64('v'), lease: '1234' });
    // A follower asks the leader, which may not have applied those puts yet under load (a lease
    // service matter, not the gateway's): asked again until it has.
    let ttl = await s.http.post('/v3/lease/timetolive', { ID: id, keys: true });
    for (let i = 0; i < 50 && !ttl.body.includes('"keys"'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ttl = await s.http.post('/v3/lease/timetolive', { ID: id, keys: true });
    }
    s.record('timetolive with keys', ttl, ttl.body.replace(/"TTL":"(\d+)"/, (_m, t: string) => `"TTL":"${Number(t) > 0 && Number(t) <= 60 ? 'counting' : t}"`));
    await s.post('timetolive of an ungranted lease, under /v3/kv/lease', '/v3/kv/lease/timetolive', { ID: '999' });
    const leases = await s.http.post('/v3/lease/leases', {});
    const listed = (JSON.parse(leases.body) as { leases?: { ID: string }[] }).leases?.map((l) => s.masks.lease(l.ID)).sort() ?? [];
    s.record('leases', leases, `${(JSON.parse(leases.body) as { header: unknown }).header ? 'header ' : ''}${listed.join(' ')}`);
    s.record('leases under /v3/kv/lease', await s.http.post('/v3/kv/lease/leases', {}), '<as above>');

    const keepAlive = s.http.stream('/v3/lease/keepalive', `{"ID":"1234"}{"ID":"${id}"}{"ID":"999"}`);
    await keepAlive.answered;
    s.streamHead('keepalive 1234, the granted one, an ungranted one', keepAlive);
    await s.line('  1234', keepAlive);
    await s.line('  granted', keepAlive);
    await s.line('  ungranted', keepAlive);
    await s.line('  then the end', keepAlive);
    const open = s.http.stream('/v3/lease/keepalive', { ID: '1234' }, { keepBodyOpen: true });
    await open.answered;
    s.streamHead('keepalive with the body kept open', open);
    await s.line('  first', open);
    open.send({ ID: '1234' });
    await s.line('  second, sent later', open);
    open.endBody();
    await s.line('  the end, after the body', open);
    const none = s.http.stream('/v3/lease/keepalive', '');
    await none.answered;
    s.streamHead('keepalive with an empty body', none);
    await s.line('  the end', none);
    s.record('keepalive with a bad body', await s.http.post('/v3/lease/keepalive', '{"ID":"abc"}'));

    await s.post('revoke 1234', '/v3/lease/revoke', { ID: '1234' });
    await s.post('revoke 1234 again, under /v3/kv/lease', '/v3/kv/lease/revoke', { ID: '1234' });
    await s.post('revoke the granted one', '/v3/kv/lease/revoke', { ID: id });
    await s.post('range l/ after the revokes', '/v3/kv/range', { key: b64('l/'), range_end: b64('l0') });
  });

const lockElectionScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const grant = async (label: string): Promise<string> => {
      const a = await s.http.post('/v3/lease/grant', { TTL: 60 });
      const id = (JSON.parse(a.body) as { ID: string }).ID;
      s.masks.lease(id);
      s.record(label, a);
      return id;
    };
    const lease = await grant('grant a lease for the lock');
    const locked = await s.post('lock', '/v3/lock/lock', { name: b64('gw-lock'), lease });
    const other = await grant('grant another');
    await s.post('lock it again with the other lease, for at most a second', '/v3/lock/lock', { name: b64('gw-lock'), lease: other }, { 'Grpc-Timeout': '1S' });
    // The waiter takes its key out once its call has ended (on etcd too, after the answer may have gone).
    for (let i = 0; i < 50; i++) {
      const left = JSON.parse((await s.http.post('/v3/kv/range', { key: b64('gw-lock/'), range_end: b64('gw-lock0'), count_only: true })).body) as { count?: string };
      if (left.count === '1') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await s.post('the waiter has withdrawn', '/v3/kv/range', { key: b64('gw-lock/'), range_end: b64('gw-lock0'), keys_only: true });
    await s.post('revoke the other lease', '/v3/lease/revoke', { ID: other });
    await s.post('unlock', '/v3/lock/unlock', { key: locked.key });
    await s.post('unlock it again', '/v3/lock/unlock', { key: locked.key });
    await s.post('unlock without a key', '/v3/lock/unlock', {});
    await s.post('lock with an ungranted lease', '/v3/lock/lock', { name: b64('gw-lock'), lease: '777' });

    const candidate = await grant('grant a lease for the campaign');
    const campaign = await s.post('campaign', '/v3/election/campaign', { name: b64('gw-election'), lease: candidate, value: b64('first') });
    const leader = campaign.leader as Record<string, unknown>;
    await s.post('leader', '/v3/election/leader', { name: b64('gw-election') });
    const observe = s.http.stream('/v3/election/observe', { name: b64('gw-election') });
    await observe.answered;
    s.streamHead('observe', observe);
    await s.line('  the leader now', observe);
    await s.post('proclaim', '/v3/election/proclaim', { leader, value: b64('second') });
    await s.line('  proclaimed', observe);
    observe.close();
    await s.post('proclaim without a leader', '/v3/election/proclaim', { value: b64('x') });
    await s.post('proclaim as a key that does not lead', '/v3/election/proclaim', { leader: { ...leader, key: b64('gw-election/none') }, value: b64('x') });
    await s.post('resign', '/v3/election/resign', { leader });
    await s.post('leader after the resign', '/v3/election/leader', { name: b64('gw-election') });
    await s.post('revoke the leases', '/v3/lease/revoke', { ID: lease });
    await s.post('revoke the other', '/v3/lease/revoke', { ID: candidate });
  });

const maintenanceScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const status = await s.http.post('/v3/maintenance/status', {});
    const st = JSON.parse(status.body) as Record<string, unknown>;
    // Sizes, indexes, the leader and the version differ between any two clusters; the keys do not.
    s.record('status', status, Object.keys(st).filter((k) => k !== 'header').sort().join(','));
    // etcd 3.4 answers Alarm and Defragment with no header at all; Lodestone's services send one.
    const noHeader = (a: GatewayAnswer): string => s.masks.body(a.body).replace(/^\{"header":\{[^}]*\},?/, '{');
    const alarm = await s.http.post('/v3/maintenance/alarm', { action: 'GET' });
    s.record('alarm GET', alarm, noHeader(alarm));
    const defrag = await s.http.post('/v3/maintenance/defragment', {});
    s.record('defragment', defrag, noHeader(defrag));
    // A transfer goes to the leader (a follower says it is not the leader).
    const leader = target.cluster.member((await target.cluster.waitReady()).leaderIndex);
    const atLeader = new GatewayClient(leader.endpoint);
    try {
      s.record('transfer-leadership to no member', await atLeader.post('/v3/maintenance/transfer-leadership', { targetID: '1' }));
    } finally {
      atLeader.close();
    }
  });

/**
 * etcd 3.4 drops a membership change proposed while raft still counts the previous one as pending
 * (its apply has answered, raft's applied index has not moved yet) and then waits for it forever:
 * changes are spaced out.
 */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));

const clusterScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const initial = new Set<string>();
    const list = async (label: string): Promise<void> => {
      const a = await s.http.post('/v3/cluster/member/list', {});
      const members = (JSON.parse(a.body) as { members: Record<string, unknown>[] }).members;
      // The initial members (one for etcd, three for a Lodestone cluster) are shown by their fields only.
      const shown = members.map((m) => (initial.has(String(m.ID)) ? `initial{${Object.keys(m).join(',')}}` : s.masks.body(JSON.stringify(m))));
      s.record(label, a, [...new Set(shown)].sort().join(' '));
    };
    const first = JSON.parse((await s.http.post('/v3/cluster/member/list', {})).body) as { members: { ID: string }[] };
    for (const m of first.members) initial.add(m.ID);
    await list('list');
    const added = await s.http.post('/v3/cluster/member/add', { peerURLs: ['http://127.0.0.1:1'], isLearner: true });
    const member = (JSON.parse(added.body) as { member?: { ID: string } }).member;
    if (member) s.masks.member(member.ID);
    for (const id of initial) s.masks.member(id);
    s.record('add a learner', added, s.masks.body(added.body).replace(/"members":\[.*\]/, '"members":<list>'));
    await list('list with the learner');
    await settle();
    const update = await s.http.post('/v3/cluster/member/update', { ID: member?.ID, peerURLs: ['http://127.0.0.1:2'] });
    s.record('update its peer URLs', update, s.masks.body(update.body).replace(/"members":\[.*\]/, '"members":<list>'));
    await s.post('promote it, not in sync', '/v3/cluster/member/promote', { ID: member?.ID });
    await s.post('add with no peer URLs', '/v3/cluster/member/add', {});
    await settle();
    const removed = await s.http.post('/v3/cluster/member/remove', { ID: member?.ID });
    s.record('remove it', removed, s.masks.body(removed.body).replace(/"members":\[.*\]/, '"members":<list>'));
    await s.post('remove it again', '/v3/cluster/member/remove', { ID: member?.ID });
    await s.post('update a member that is not there', '/v3/cluster/member/update', { ID: '42', peerURLs: ['http://127.0.0.1:3'] });
    await list('list after');
  });

const authScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const token = async (label: string, name: string, password: string): Promise<string> => {
      const a = await s.http.post('/v3/auth/authenticate', { name, password });
      const t = (JSON.parse(a.body) as { token?: string }).token ?? '';
      s.record(label, a, a.body.replace(/"token":"[^"]*"/, '"token":"<token>"'));
      return t;
    };
    await s.post('authenticate with auth off', '/v3/auth/authenticate', { name: 'root', password: 'x' });
    await s.post('enable without root', '/v3/auth/enable', {});
    await s.post('add root', '/v3/auth/user/add', { name: 'root', password: 'rootpw' });
    await s.post('grant root the root role', '/v3/auth/user/grant', { user: 'root', role: 'root' });
    await s.post('add a role', '/v3/auth/role/add', { name: 'reader' });
    await s.post('grant it read on gwauth/', '/v3/auth/role/grant', { name: 'reader', perm: { permType: 'READ', key: b64('gwauth/'), range_end: b64('gwauth0') } });
    await s.post('add alice', '/v3/auth/user/add', { name: 'alice', password: 'alicepw' });
    await s.post('grant alice reader', '/v3/auth/user/grant', { user: 'alice', role: 'reader' });
    await s.post('add a user twice', '/v3/auth/user/add', { name: 'alice', password: 'x' });
    await s.post('enable', '/v3/auth/enable', {});
    const root = await token('authenticate root', 'root', 'rootpw');
    const alice = await token('authenticate alice', 'alice', 'alicepw');
    await token('authenticate with a wrong password', 'alice', 'nope');
    try {
      const asRoot = { Authorization: root };
      const asAlice = { Authorization: alice };
      await s.post('put without a token', '/v3/kv/put', { key: b64('gwauth/a'), value: b64('v') });
      await s.post('put with a bad token', '/v3/kv/put', { key: b64('gwauth/a'), value: b64('v') }, { Authorization: 'not-a-token' });
      await s.post('put as root', '/v3/kv/put', { key: b64('gwauth/a'), value: b64('v') }, asRoot);
      await s.post('put as alice', '/v3/kv/put', { key: b64('gwauth/a'), value: b64('w') }, asAlice);
      await s.post('range as alice', '/v3/kv/range', { key: b64('gwauth/a') }, asAlice);
      await s.post('range as alice, token as gRPC metadata', '/v3/kv/range', { key: b64('gwauth/a') }, { 'Grpc-Metadata-Token': alice });
      await s.post('range outside her role', '/v3/kv/range', { key: b64('other') }, asAlice);
      const watch = s.http.stream('/v3/watch', { create_request: { key: b64('other') } }, { headers: asAlice });
      await watch.answered;
      s.streamHead('watch outside her role', watch);
      await s.line('  created and canceled', watch);
      watch.close();
      await s.post('user list as alice', '/v3/auth/user/list', {}, asAlice);
      // Names come back escaped as Go escapes JSON strings (<, > and & as \u003c, \u003e, \u0026).
      await s.post('add a user with an odd name', '/v3/auth/user/add', { name: 'x<y>&z "é" \t', password: 'pw' }, asRoot);
      const listed = await s.http.post('/v3/auth/user/list', {}, { headers: asRoot });
      s.recordRaw('user list, as sent', listed);
      await s.post('delete the user with the odd name', '/v3/auth/user/delete', { name: 'x<y>&z "é" \t' }, asRoot);
      await s.post('user list', '/v3/auth/user/list', {}, asRoot);
      await s.post('role list', '/v3/auth/role/list', {}, asRoot);
      await s.post('user get alice', '/v3/auth/user/get', { name: 'alice' }, asRoot);
      await s.post('role get reader', '/v3/auth/role/get', { role: 'reader' }, asRoot);
      await s.post('change alice password', '/v3/auth/user/changepw', { name: 'alice', password: 'newpw' }, asRoot);
      await s.post('revoke her permission', '/v3/auth/role/revoke', { role: 'reader', key: b64('gwauth/'), range_end: b64('gwauth0') }, asRoot);
      await s.post('revoke her role', '/v3/auth/user/revoke', { name: 'alice', role: 'reader' }, asRoot);
      await s.post('delete alice', '/v3/auth/user/delete', { name: 'alice' }, asRoot);
      await s.post('delete the role', '/v3/auth/role/delete', { role: 'reader' }, asRoot);
      await s.post('delete a role that is not there', '/v3/auth/role/delete', { role: 'reader' }, asRoot);
      await s.post('disable without a token', '/v3/auth/disable', {});
    } finally {
      await s.post('disable', '/v3/auth/disable', {}, { Authorization: root });
    }
    await s.post('delete root', '/v3/auth/user/delete', { name: 'root' });
  });

/** Bodies the gateway cannot read, and requests it has no route for. */
const badRequestScript = (target: ComparedCluster) =>
  withSession(target, async (s) => {
    const bodies: readonly (readonly [string, string])[] = [
      ['/v3/kv/put', '{'],
      ['/v3/kv/put', 'xyz'],
      ['/v3/kv/put', '[1]'],
      ['/v3/kv/put', '"a string"'],
      ['/v3/kv/put', '123'],
      ['/v3/kv/put', 'null'],
      ['/v3/kv/put', '   '],
      ['/v3/kv/put', '{"key":1}'],
      ['/v3/kv/put', '{"key":"!!!"}'],
      ['/v3/kv/put', '{"key":"Zm9"}'],
      ['/v3/kv/put', '{"key":"Zm9v=="}'],
      ['/v3/kv/put', '{"key":"Zm8=Zm8="}'],
      ['/v3/kv/put', '{"key":"Z m9v"}'],
      ['/v3/kv/put', '{"key":"Zm9v\\n","value":"YmFy"}'],
      ['/v3/kv/put', '{"key":"Zm9v",}'],
      ['/v3/kv/put', '{"key" "Zm9v"}'],
      ['/v3/kv/put', '{"key":"Zm9v" "value":"x"}'],
      ['/v3/kv/put', '{"key":"Zm9v\u0001"}'],
      ['/v3/kv/put', '{"key":"\\q"}'],
      ['/v3/kv/put', '{"key":"\\u12"}'],
      ['/v3/kv/put', '{"key":tru}'],
      ['/v3/kv/put', '{"key":nul}'],
      ['/v3/kv/put', '{"lease":-}'],
      ['/v3/kv/put', '{"lease":1.}'],
      ['/v3/kv/put', '{"lease":1e}'],
      ['/v3/kv/put', '{"lease":01}'],
      ['/v3/kv/put', '{"lease":"abc"}'],
      ['/v3/kv/put', '{"lease":""}'],
      ['/v3/kv/put', '{"lease":1.5}'],
      ['/v3/kv/put', '{"lease":"1.5"}'],
      ['/v3/kv/put', '{"lease":"1 2"}'],
      ['/v3/kv/put', '{"lease":99999999999999999999}'],
      ['/v3/kv/put', '{"lease":true}'],
      ['/v3/kv/put', '{"lease":[1]}'],
      ['/v3/kv/put', '{"prev_kv":"true"}'],
      ['/v3/kv/put', '{"prev_kv":1}'],
      ['/v3/kv/put', '{"key":"Zm9v","value":"YmFy","bogus":{"x":[1,2]}} trailing garbage'],
      ['/v3/kv/put', '{"key":"Zm9v","key":"YmFy","value":"eA=="}'],
      ['/v3/kv/range', '{"sort_order":"NOPE"}'],
      ['/v3/kv/range', '{"sort_order":"1"}'],
      ['/v3/kv/range', '{"sort_order":1.5}'],
      ['/v3/kv/range', '{"sort_order":true}'],
      ['/v3/kv/range', '{"key":"Zm9v","range_end":null,"limit":null}'],
      ['/v3/kv/range', '{"key":"Zm9v","rangeEnd":"AA==","range_end":"Zm9w"}'],
      ['/v3/kv/txn', '{"compare":{}}'],
      ['/v3/kv/txn', '{"compare":[{"result":"NOPE"}]}'],
      ['/v3/kv/txn', '{"compare":[5]}'],
      ['/v3/kv/txn', '{"success":[{"request_put":"x"}]}'],
      ['/v3/watch', '{"create_request":{"filters":"NOPUT"}}'],
      ['/v3/watch', '{"create_request":{"filters":"NOPE"}}'],
      ['/v3/cluster/member/remove', '{"ID":"-1"}'],
      ['/v3/cluster/member/remove', '{"ID":"18446744073709551616"}'],
    ];
    for (const [path, body] of bodies) s.record(`${path} ${body}`, await s.http.post(path, body));
    const negative = await s.http.post('/v3/lease/grant', '{"TTL":"-5"}');
    s.masks.lease((JSON.parse(negative.body) as { ID: string }).ID);
    s.record('/v3/lease/grant {"TTL":"-5"}', negative);
    const routing: readonly (readonly [string, string])[] = [
      ['GET', '/v3/kv/range'],
      ['PUT', '/v3/kv/put'],
      ['OPTIONS', '/v3/kv/range'],
      ['POST', '/v3/kv/nope'],
      ['POST', '/v3/kv/range/'],
      ['POST', '/v3/'],
      ['GET', '/v3alpha/kv/range'],
      ['POST', '/not-etcd'],
      ['POST', '/v3/maintenance/downgrade'],
      ['POST', '/v3/auth/status'],
    ];
    for (const [method, path] of routing) s.record(`${method} ${path}`, await s.http.post(path, method === 'POST' ? '{}' : undefined, { method }));
    s.record('range with a query string', await s.http.post('/v3/kv/range?x=1', '{"key":"Zm9v"}'));
    s.record('a bad Grpc-Timeout', await s.http.post('/v3/kv/range', '{"key":"Zm9v"}', { headers: { 'Grpc-Timeout': 'soon' } }));
    s.record('a generous Grpc-Timeout', await s.http.post('/v3/kv/range', '{"key":"Zm9v"}', { headers: { 'Grpc-Timeout': '10S' } }));
    s.record('still serving', await s.http.post('/v3/kv/put', { key: b64('gw/after'), value: b64('fine') }));
  });

const binaries = checkBinaries(['etcd'], 'comparing the JSON gateway with a real etcd');

describe.skipIf(!binaries.run)('the JSON gateway beside a real etcd', () => {
  const clusters = useClustersBesideEtcd(binaries);

  itAnswersAsEtcd(clusters, 'KV: put, range, deleterange, txn, compaction', kvScript);
  itAnswersAsEtcd(clusters, 'Watch: history, live events, filters, several requests in one body, compaction, bad bodies', watchScript);
  itAnswersAsEtcd(clusters, 'Lease: grant, timetolive, leases, keepalive streams, revoke, the /v3/kv/lease aliases', leaseScript);
  itAnswersAsEtcd(clusters, 'Lock and Election: lock, unlock, campaign, leader, observe, proclaim, resign', lockElectionScript);
  itAnswersAsEtcd(clusters, 'Maintenance: status, alarm, defragment, transfer-leadership', maintenanceScript);
  itAnswersAsEtcd(clusters, 'Cluster: member list, add a learner, update, promote, remove', clusterScript);
  itAnswersAsEtcd(clusters, 'Auth: users, roles, permissions, tokens in the Authorization header', authScript);
  itAnswersAsEtcd(clusters, 'requests the gateway cannot read, and paths and methods it has no route for', badRequestScript);

  it('answers Hash and Snapshot as etcd does: a hash under a header; the file in blobs, then its SHA-256', async () => {
    const shapes: string[][] = [];
    for (const endpoint of [clusters.etcd.endpoint, clusters.lodestone[0].endpoint]) {
      const http = new GatewayClient(endpoint);
      try {
        const hash = await http.post('/v3/maintenance/hash', {});
        const hashBody = JSON.parse(hash.body) as { header: object; hash: number };
        expect(hashBody.hash).toEqual(expect.any(Number));
        const snapshot = await http.post('/v3/maintenance/snapshot', {});
        const lines = snapshot.body.split('\n').filter((l) => l !== '');
        const results = lines.map((l) => (JSON.parse(l) as { result: { remaining_bytes?: string; blob: string } }).result);
        const blobs = results.map((r) => Buffer.from(r.blob, 'base64'));
        const db = Buffer.concat(blobs.slice(0, -1));
        expect(createHash('sha256').update(db).digest()).toEqual(blobs.at(-1));
        expect(results.at(-1)!.remaining_bytes).toBeUndefined();
        expect(Number(results[0]!.remaining_bytes ?? 0)).toBe(db.length - blobs[0]!.length);
        shapes.push([
          describeAnswer(hash, Object.keys(hashBody).sort().join(',')),
          describeAnswer(snapshot, results.map((r) => Object.keys(r).sort().join(',')).slice(-2).join(' / ')),
        ]);
      } finally {
        http.close();
      }
    }
    expect(shapes[1]).toEqual(shapes[0]);
  });
});
