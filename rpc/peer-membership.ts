// The Membership service on the peer port (proto/lodestone/membership.proto): a member joining an
// existing cluster asks it for the cluster's ID and members before it has an identity of its own.
import { makeClientConstructor, Metadata, type ChannelCredentials, type Client, type ClientUnaryCall, type MethodDefinition, type requestCallback, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { NodeId } from '../raft/types.js';
import { BadOptionsError } from './peer-errors.js';
import { PEER_LOADER_OPTIONS, peerProtoRoot } from './peer-service.js';
import { dialAddress, dialerFor, type Dialer } from './tls-credentials.js';

const SERVICE = 'lodestone.peer.Membership';

export interface MembershipMember {
  readonly id: NodeId;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

export interface MembershipInfo {
  readonly clusterId: string;
  readonly members: readonly MembershipMember[];
}

interface WireMember {
  id: string;
  name: string;
  peer_urls: string[];
  client_urls: string[];
  is_learner: boolean;
}

interface WireResponse {
  cluster_id: string;
  members: WireMember[];
}

type Empty = Record<string, never>;

export type MembershipServiceDefinition = {
  readonly Members: MethodDefinition<Empty, WireResponse>;
  readonly Probe: MethodDefinition<Empty, Empty>;
};

interface MembershipClient extends Client {
  Members(request: Empty, metadata: Metadata, options: { deadline: number }, callback: requestCallback<WireResponse>): ClientUnaryCall;
  Probe(request: Empty, metadata: Metadata, options: { deadline: number }, callback: requestCallback<Empty>): ClientUnaryCall;
}

type MembershipClientConstructor = new (address: string, creds: ChannelCredentials) => MembershipClient;

function clientConstructor(): MembershipClientConstructor {
  return makeClientConstructor(membershipServiceDefinition(), SERVICE) as unknown as MembershipClientConstructor;
}

let definition: MembershipServiceDefinition | undefined;

export function membershipServiceDefinition(): MembershipServiceDefinition {
  if (definition === undefined) {
    const pkg = loadSync('lodestone/membership.proto', { ...PEER_LOADER_OPTIONS, defaults: true, includeDirs: [peerProtoRoot()] });
    const service = pkg[SERVICE];
    if (service === undefined || 'format' in service) throw new BadOptionsError(`${SERVICE} is not defined`);
    definition = service as unknown as MembershipServiceDefinition;
  }
  return definition;
}

export function membershipHandlers(members: () => MembershipInfo): {
  Members: (call: ServerUnaryCall<Empty, WireResponse>, callback: sendUnaryData<WireResponse>) => void;
  Probe: (call: ServerUnaryCall<Empty, Empty>, callback: sendUnaryData<Empty>) => void;
} {
  return {
    Probe: (_call, callback) => callback(null, {}),
    Members: (_call, callback) => {
      const info = members();
      callback(null, {
        cluster_id: info.clusterId,
        members: info.members.map((m) => ({ id: String(m.id), name: m.name, peer_urls: [...m.peerUrls], client_urls: [...m.clientUrls], is_learner: m.isLearner })),
      });
    },
  };
}

/** Asks the member serving peers at `url` (a peer URL, or "host:port") for its cluster's members. */
export function fetchMembership(url: string, timeoutMs = 3000, dial: Dialer = dialerFor(undefined)): Promise<MembershipInfo> {
  const Ctor = clientConstructor();
  const client = new Ctor(dialAddress(url), dial(url));
  return new Promise<MembershipInfo>((resolve, reject) => {
    client.Members({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) return reject(err ?? new Error('no answer'));
      resolve({
        clusterId: res.cluster_id,
        members: res.members.map((m) => ({ id: Number(m.id), name: m.name, peerUrls: m.peer_urls, clientUrls: m.client_urls, isLearner: m.is_learner })),
      });
    });
  });
}

/** A connection to one peer's Membership service, kept open to probe it again and again. */
export class MembershipProbe {
  private readonly client: MembershipClient;

  constructor(
    readonly url: string,
    dial: Dialer = dialerFor(undefined),
  ) {
    const Ctor = clientConstructor();
    this.client = new Ctor(dialAddress(url), dial(url));
  }

  /** Seconds from sending a probe to its answer; rejects if none comes within `timeoutMs`. */
  async probe(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    // The call alone is timed, not the connection set up for it.
    await new Promise<void>((resolve, reject) => this.client.waitForReady(deadline, (err) => (err ? reject(err) : resolve())));
    const sent = performance.now();
    return new Promise<number>((resolve, reject) => {
      this.client.Probe({}, new Metadata(), { deadline }, (err) => {
        if (err) reject(err);
        else resolve((performance.now() - sent) / 1000);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
