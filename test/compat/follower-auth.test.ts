// What a follower answers with auth on, beside a real etcd 3.4, for the requests it cannot serve by
// itself: membership changes (member add --learner, promote, remove), which the leader validates
// and proposes, and lease calls (grant, revoke, keep-alive, time-to-live), which take the leader's
// clocks or go through raft. The same etcdctl script runs against a follower of a 3-member etcd and
// of a 3-member Lodestone, side by side, as root, as users with and without permission on a lease's
// keys, and with no user at all; each step's outcome (exit code, output, error line), ids and
// addresses masked, must be the same. A follower must not lose who the caller is on the way to the
// leader: a root call works as on the leader, another user is refused as etcd refuses it. A second
// pair of clusters takes users from client certificates (--client-cert-auth): the certificate's CN
// root, with no token, adds and removes a member through a follower.
//
// One place where Lodestone means to differ: etcd 3.4 passes a follower's `member promote` on to the
// leader over its peer URL without the caller, and its leader refuses that as "user name is empty"
// until etcdctl or the follower gives up ("context deadline exceeded", or "request timed out"),
// though the caller was root. Lodestone's
// follower checks the caller and its leader promotes; the test states both answers.
import { readFileSync } from 'node:fs';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBinaries } from '../support/binaries.js';
import { TestCluster, type ClusterMember, type Implementation } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { TestPki, type CaFiles, type CertFiles } from '../support/test-certs.js';
import { errorLine, etcdctl } from './etcdctl-runner.js';
import { Masker } from '../support/masker.js';

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly error: string;
}

/** The shared masking, plus a lease's remaining seconds (they depend on when it was asked) and the cluster id. */
class LeaseMasker extends Masker {
  override mask(text: string): string {
    return maskClusterId(super.mask(text).replace(/remaining\(\d+s\)/g, 'remaining(<n>s)'));
  }
}

/**
 * etcdctl's "Member <id> removed from cluster <id>" and the like: the cluster id masked, and the
 * padding etcdctl gives ids (16 wide) taken out, since Lodestone's ids are shorter (below 2^53).
 */
function maskClusterId(text: string): string {
  return text.replace(/Member +(\S+) (added to|removed from|promoted in) cluster +[0-9a-f]+/g, 'Member $1 $2 cluster <cluster-id>');
}

/** `member add`'s answer: ids masked, and ETCD_INITIAL_CLUSTER (in member id order) sorted by name. */
function maskMemberAdd(text: string): string {
  return text
    .replace(/Member +\S+ added to cluster +\S+/, 'Member <new-id> added to cluster <cluster-id>')
    .replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').sort().join(',')}"`);
}

const USERS = {
  root: 'root:rootpw',
  // readwrite on app/
  alice: 'alice:alicepw',
  // read on app/
  bob: 'bob:bobpw',
} as const;
type Who = keyof typeof USERS | 'nobody';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * etcd refuses a membership change as "unhealthy cluster" until the member asked has been connected
 * to every voter for 5 s (its strict reconfiguration check): a change that soon after start is
 * tried again, on both.
 */
async function pastStartup(change: () => Promise<Outcome>): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    const r = await change();
    if (!r.error.includes('unhealthy cluster') || attempt >= 30) return r;
    await sleep(500);
  }
}

/** The cluster's member ids by name, from the member list (every member has published its name). */
async function memberIdsByName(endpoint: string, flags: readonly string[]): Promise<Map<string, string>> {
  const r = await etcdctl([endpoint], [...flags, 'member', 'list']);
  if (r.code !== 0) throw new Error(`member list failed: ${r.stderr}`);
  const ids = new Map<string, string>();
  for (const line of r.stdout.trim().split('\n')) {
    const [id, , name] = line.split(', ');
    if (id && name) ids.set(name, id);
  }
  return ids;
}

/** A started cluster of three, and the follower a script talks to. */
async function startThree(implementation: Implementation, extra: Partial<Parameters<typeof TestCluster.start>[0]> = {}): Promise<{ cluster: TestCluster; follower: ClusterMember; leader: ClusterMember }> {
  const cluster = await TestCluster.start({ implementation, size: 3, logLevel: 'warn', readyTimeoutMs: 60_000, ...extra });
  try {
    const ready = await cluster.waitReady();
    const follower = cluster.members.find((m) => m.index !== ready.leaderIndex)!;
    return { cluster, follower, leader: cluster.member(ready.leaderIndex) };
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
}

const MEMBER_STEPS = [
  'member add --learner, no user',
  'member add --learner as alice',
  'member add --learner as root',
  'member promote, no user',
  'member promote as alice',
  'member promote as root',
  'member remove, no user',
  'member remove as alice',
  'member remove as root',
  'member list after',
] as const;

const LEASE_STEPS = [
  'lease grant as root',
  'put with the lease as root',
  'lease timetolive --keys as root',
  'lease timetolive --keys as alice',
  'lease timetolive --keys, no user',
  'lease keep-alive --once as root',
  'lease keep-alive --once as bob',
  'lease keep-alive --once, no user',
  'lease grant, no user',
  'lease grant as bob',
  'lease revoke as bob (read-only on the attached key)',
  'lease revoke, no user (a key attached)',
  'lease revoke as alice (readwrite on the attached key)',
  'lease timetolive after the revoke',
  'lease grant as alice',
  'put with the lease as alice',
  'put outside her keys with the lease as alice',
  'lease revoke of her lease as bob',
  'lease revoke of her lease as alice',
  'lease revoke of her lease again',
  'lease revoke of a lease without keys as bob',
  'lease revoke of a lease without keys, no user',
] as const;

const PROMOTE_AS_ROOT = 'member promote as root';

/** The script against a follower of a new 3-member cluster of `implementation`: each step's outcome. */
async function followerScript(implementation: Implementation): Promise<Map<string, Outcome>> {
  const { cluster, follower } = await startThree(implementation);
  const out = new Map<string, Outcome>();
  const masker = new LeaseMasker();
  try {
    for (const m of cluster.members) {
      masker.add(m.peerUrl, `<${m.name}-peer-url>`);
      masker.add(m.clientUrl, `<${m.name}-client-url>`);
    }
    const run = async (who: Who, args: readonly string[]): Promise<Outcome> => {
      const r = await etcdctl([follower.endpoint], [...(who === 'nobody' ? [] : [`--user=${USERS[who]}`]), ...args]);
      return { code: r.code, stdout: masker.mask(r.stdout), error: masker.mask(errorLine(r)) };
    };
    const must = async (who: Who, args: readonly string[]): Promise<Outcome> => {
      const r = await run(who, args);
      if (r.code !== 0) throw new Error(`${implementation}: etcdctl ${args.join(' ')} as ${who} failed: ${r.error}`);
      return r;
    };
    const step = async (name: string, who: Who, args: readonly string[]): Promise<Outcome> => {
      const r = await run(who, args);
      out.set(name, r);
      return r;
    };

    await must('nobody', ['user', 'add', USERS.root]);
    await must('nobody', ['auth', 'enable']);
    await must('root', ['user', 'add', USERS.alice]);
    await must('root', ['user', 'add', USERS.bob]);
    await must('root', ['role', 'add', 'app']);
    await must('root', ['role', 'grant-permission', 'app', 'readwrite', 'app/', '--prefix']);
    await must('root', ['user', 'grant-role', 'alice', 'app']);
    await must('root', ['role', 'add', 'reader']);
    await must('root', ['role', 'grant-permission', 'reader', 'read', 'app/', '--prefix']);
    await must('root', ['user', 'grant-role', 'bob', 'reader']);
    const ids = await memberIdsByName(follower.endpoint, [`--user=${USERS.root}`]);
    for (const [name, id] of ids) masker.add(id, `<${name}-id>`);

    // ---- membership
    let learnerId = '';
    const learner = await cluster.addMember(async (joining) => {
      masker.add(joining.peerUrl, '<learner-peer-url>');
      masker.add(joining.clientUrl, '<learner-client-url>');
      const addArgs = ['member', 'add', joining.name, '--learner', `--peer-urls=${joining.peerUrl}`];
      await step(MEMBER_STEPS[0], 'nobody', addArgs);
      await step(MEMBER_STEPS[1], 'alice', addArgs);
      const r = await pastStartup(() => step(MEMBER_STEPS[2], 'root', addArgs));
      const id = /Member +([0-9a-f]+) added/.exec(r.stdout)?.[1];
      if (r.code !== 0 || id === undefined) throw new Error(`${implementation}: member add --learner as root through a follower failed: ${r.error}`);
      out.set(MEMBER_STEPS[2], { ...r, stdout: maskMemberAdd(r.stdout) });
      learnerId = id;
      masker.add(id, '<learner-id>');
      return [...cluster.members.map((m) => `${m.name}=${m.peerUrl}`), `${joining.name}=${joining.peerUrl}`].join(',');
    });
    // Started, and caught up enough to have published its name.
    await eventually(`${implementation}: the learner to publish itself`, async () => ((await memberIdsByName(follower.endpoint, [`--user=${USERS.root}`])).has(learner.name) ? true : undefined), 30_000);
    await step(MEMBER_STEPS[3], 'nobody', ['member', 'promote', learnerId]);
    await step(MEMBER_STEPS[4], 'alice', ['member', 'promote', learnerId]);
    // A learner just started may still be behind: only "not in sync yet" is tried again.
    for (let attempt = 0; ; attempt++) {
      const r = await step(PROMOTE_AS_ROOT, 'root', ['member', 'promote', learnerId]);
      if (!r.error.includes('in sync with leader') || attempt >= 20) break;
      await sleep(500);
    }
    await step(MEMBER_STEPS[6], 'nobody', ['member', 'remove', learnerId]);
    await step(MEMBER_STEPS[7], 'alice', ['member', 'remove', learnerId]);
    const removed = await step(MEMBER_STEPS[8], 'root', ['member', 'remove', learnerId]);
    if (removed.code === 0) await cluster.markRemoved(learner.index);
    const list = await run('root', ['member', 'list']);
    out.set(MEMBER_STEPS[9], { ...list, stdout: list.stdout.trim().split('\n').sort().join('\n') });

    // ---- leases
    const leaseId = (r: Outcome): string => {
      const id = /lease ([0-9a-f]+) granted/.exec(r.stdout)?.[1];
      if (id === undefined) throw new Error(`${implementation}: no lease granted: ${r.error}`);
      return id;
    };
    const rootLease = leaseId(await step(LEASE_STEPS[0], 'root', ['lease', 'grant', '60']));
    masker.add(rootLease, '<root-lease>');
    out.set(LEASE_STEPS[0], { ...out.get(LEASE_STEPS[0])!, stdout: masker.mask(out.get(LEASE_STEPS[0])!.stdout) });
    await step(LEASE_STEPS[1], 'root', ['put', 'app/r', 'v', `--lease=${rootLease}`]);
    await step(LEASE_STEPS[2], 'root', ['lease', 'timetolive', rootLease, '--keys']);
    await step(LEASE_STEPS[3], 'alice', ['lease', 'timetolive', rootLease, '--keys']);
    await step(LEASE_STEPS[4], 'nobody', ['lease', 'timetolive', rootLease, '--keys']);
    await step(LEASE_STEPS[5], 'root', ['lease', 'keep-alive', '--once', rootLease]);
    await step(LEASE_STEPS[6], 'bob', ['lease', 'keep-alive', '--once', rootLease]);
    await step(LEASE_STEPS[7], 'nobody', ['lease', 'keep-alive', '--once', rootLease]);
    const anonLease = leaseId(await step(LEASE_STEPS[8], 'nobody', ['lease', 'grant', '60']));
    masker.add(anonLease, '<anonymous-lease>');
    const bobLease = leaseId(await step(LEASE_STEPS[9], 'bob', ['lease', 'grant', '60']));
    masker.add(bobLease, '<bob-lease>');
    for (const name of [LEASE_STEPS[8], LEASE_STEPS[9]]) out.set(name, { ...out.get(name)!, stdout: masker.mask(out.get(name)!.stdout) });
    await step(LEASE_STEPS[10], 'bob', ['lease', 'revoke', rootLease]);
    await step(LEASE_STEPS[11], 'nobody', ['lease', 'revoke', rootLease]);
    await step(LEASE_STEPS[12], 'alice', ['lease', 'revoke', rootLease]);
    await step(LEASE_STEPS[13], 'root', ['lease', 'timetolive', rootLease]);
    const aliceLease = leaseId(await step(LEASE_STEPS[14], 'alice', ['lease', 'grant', '60']));
    masker.add(aliceLease, '<alice-lease>');
    out.set(LEASE_STEPS[14], { ...out.get(LEASE_STEPS[14])!, stdout: masker.mask(out.get(LEASE_STEPS[14])!.stdout) });
    await step(LEASE_STEPS[15], 'alice', ['put', 'app/a', 'v', `--lease=${aliceLease}`]);
    await step(LEASE_STEPS[16], 'alice', ['put', 'secret', 'v', `--lease=${aliceLease}`]);
    await step(LEASE_STEPS[17], 'bob', ['lease', 'revoke', aliceLease]);
    await step(LEASE_STEPS[18], 'alice', ['lease', 'revoke', aliceLease]);
    await step(LEASE_STEPS[19], 'alice', ['lease', 'revoke', aliceLease]);
    await step(LEASE_STEPS[20], 'bob', ['lease', 'revoke', bobLease]);
    await step(LEASE_STEPS[21], 'nobody', ['lease', 'revoke', anonLease]);
    return out;
  } finally {
    await cluster.destroy();
  }
}

const binaries = checkBinaries(['etcd', 'etcdctl'], 'comparing a follower with auth on with a real etcd');

const line = (o: Outcome | undefined): string => (o === undefined ? 'not run' : `${o.code === null ? '-' : o.code} ${o.error || o.stdout.split('\n')[0]}`);

describe.runIf(binaries.run)('auth on, through a follower of three: membership changes and leases, beside a 3-member etcd 3.4', () => {
  let etcd: Map<string, Outcome> | undefined;
  let lodestone: Map<string, Outcome> | undefined;
  const names = [...MEMBER_STEPS, ...LEASE_STEPS];

  beforeAll(async () => {
    binaries.assertPresent();
    [etcd, lodestone] = await Promise.all([followerScript('etcd'), followerScript('lodestone')]);
    console.log(`a follower's answers with auth on (etcd | Lodestone):\n${names.map((n) => `  ${n}: ${line(etcd!.get(n))} | ${line(lodestone!.get(n))}`).join('\n')}`);
  }, 240_000);

  it('etcd answers what the script expects of it (the script checks the right thing)', () => {
    expect(etcd!.get('member add --learner, no user')!.error).toBe('Error: etcdserver: user name is empty');
    expect(etcd!.get('member add --learner as alice')!.error).toBe('Error: etcdserver: permission denied');
    expect(etcd!.get('member add --learner as root')!.code).toBe(0);
    expect(etcd!.get('lease revoke as bob (read-only on the attached key)')!.error).toBe('Error: failed to revoke lease (etcdserver: permission denied)');
    expect(etcd!.get('lease revoke as alice (readwrite on the attached key)')!.stdout).toBe('lease <root-lease> revoked\n');
  });

  it(`${PROMOTE_AS_ROOT}: Lodestone promotes; etcd 3.4's leader refuses its follower's promote as "user name is empty"`, () => {
    // Whichever gives up first: etcdctl's command timeout, or etcd's request timeout on the follower.
    expect(etcd!.get(PROMOTE_AS_ROOT)!.error).toMatch(/^Error: (context deadline exceeded|etcdserver: request timed out)$/);
    expect(lodestone!.get(PROMOTE_AS_ROOT)).toEqual({ code: 0, stdout: 'Member <learner-id> promoted in cluster <cluster-id>\n', error: '' });
  });

  for (const name of names) {
    if (name === PROMOTE_AS_ROOT) continue;
    it(name, () => {
      expect(etcd!.get(name), 'etcd: the step ran').toBeDefined();
      expect(lodestone!.get(name)).toEqual(etcd!.get(name));
    });
  }
});

/** The member and client certificates of the --client-cert-auth pair of clusters. */
interface CertSetup {
  readonly ca: CaFiles;
  readonly member: CertFiles;
  readonly clients: Map<'root' | 'alice', CertFiles>;
}

/** Through a follower with --client-cert-auth, certificates and no --user: member add and remove. */
async function certScript(implementation: Implementation, certs: CertSetup): Promise<Map<string, Outcome>> {
  const root = certs.clients.get('root')!;
  const { cluster, follower } = await startThree(implementation, {
    https: { client: true },
    probeCredentials: credentials.createSsl(readFileSync(certs.ca.cert), readFileSync(root.key), readFileSync(root.cert)),
    extraArgs: ['--cert-file', certs.member.cert, '--key-file', certs.member.key, '--trusted-ca-file', certs.ca.cert, '--client-cert-auth'],
  });
  const out = new Map<string, Outcome>();
  try {
    const as = async (who: 'root' | 'alice', args: readonly string[]): Promise<Outcome> => {
      const cert = certs.clients.get(who)!;
      const r = await etcdctl([follower.endpoint], ['--cacert', certs.ca.cert, '--cert', cert.cert, '--key', cert.key, ...args]);
      return { code: r.code, stdout: r.stdout, error: errorLine(r) };
    };
    for (const args of [['user', 'add', USERS.root], ['user', 'add', USERS.alice], ['auth', 'enable']]) {
      const r = await as('root', args);
      if (r.code !== 0) throw new Error(`${implementation}: etcdctl ${args.join(' ')} failed: ${r.error}`);
    }
    // A learner that never starts: enough to be added and removed.
    const peerUrl = `http://127.0.0.1:${cluster.members[0]!.peerPort + 1000}`;
    const add = ['member', 'add', 'extra', '--learner', `--peer-urls=${peerUrl}`];
    out.set('member add --learner, the certificate of alice', await as('alice', add));
    const added = await pastStartup(() => as('root', add));
    const id = /Member +([0-9a-f]+) added/.exec(added.stdout)?.[1];
    out.set('member add --learner, the certificate of root', { ...added, stdout: added.stdout.replace(/Member +[0-9a-f]+ added to cluster +[0-9a-f]+[^]*/, 'Member <new-id> added to cluster <cluster-id>') });
    if (id !== undefined) {
      const removed = await as('root', ['member', 'remove', id]);
      out.set('member remove, the certificate of root', { ...removed, stdout: maskClusterId(removed.stdout.split(id).join('<new-id>')) });
    }
    return out;
  } finally {
    await cluster.destroy();
  }
}

const certBinaries = checkBinaries(['etcd', 'etcdctl', 'openssl'], 'comparing a follower with --client-cert-auth with a real etcd');

describe.runIf(certBinaries.run)('--client-cert-auth, through a follower of three: a certificate with CN=root and no token changes membership, beside etcd 3.4', () => {
  let pki: TestPki | undefined;
  let etcd: Map<string, Outcome> | undefined;
  let lodestone: Map<string, Outcome> | undefined;
  const names = ['member add --learner, the certificate of alice', 'member add --learner, the certificate of root', 'member remove, the certificate of root'];

  beforeAll(async () => {
    certBinaries.assertPresent();
    pki = await TestPki.create('lodestone-follower-cn-');
    const ca = await pki.ca('ca');
    const member = await pki.issue(ca, 'member');
    const clients = new Map<'root' | 'alice', CertFiles>();
    for (const who of ['root', 'alice'] as const) clients.set(who, await pki.issue(ca, who, { subject: `/CN=${who}`, usages: ['clientAuth'] }));
    const setup = { ca, member, clients };
    [etcd, lodestone] = await Promise.all([certScript('etcd', setup), certScript('lodestone', setup)]);
    console.log(`a follower's answers to client certificates (etcd | Lodestone):\n${names.map((n) => `  ${n}: ${line(etcd!.get(n))} | ${line(lodestone!.get(n))}`).join('\n')}`);
  }, 180_000);

  afterAll(async () => {
    await pki?.destroy();
  });

  it('etcd lets root add and remove, and refuses alice', () => {
    expect(etcd!.get('member add --learner, the certificate of root')!.code).toBe(0);
    expect(etcd!.get('member remove, the certificate of root')!.code).toBe(0);
    expect(etcd!.get('member add --learner, the certificate of alice')!.error).toBe('Error: etcdserver: permission denied');
  });

  for (const name of names) {
    it(name, () => {
      expect(etcd!.get(name), 'etcd: the step ran').toBeDefined();
      expect(lodestone!.get(name)).toEqual(etcd!.get(name));
    });
  }
});
