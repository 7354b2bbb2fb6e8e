// The peer protocol (proto/lodestone/peer.proto) for grpc-js: loaded once, with typed messages, the
// typed service definition servers register and a typed client constructor. Also the call
// metadata that names the caller, and the channel options both ends use.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Metadata,
  makeClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientUnaryCall,
  type ClientWritableStream,
  type handleClientStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  type requestCallback,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { NodeId } from '../raft/types.js';
import { BadMetadataError, BadOptionsError } from './peer-errors.js';

export const PEER_SERVICE_FULL_NAME = 'lodestone.peer.Peer';

export const PEER_LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  // Byte counts only; they stay far below 2^53.
  longs: Number,
  // A oneof names its set member (SnapshotPart.part === 'chunk'): a discriminated union.
  oneofs: true,
}) satisfies Options;

export interface MessageBatch {
  messages: Uint8Array[];
}

export type StreamClosed = Record<string, never>;

export interface SnapshotHeader {
  /** The encoded Raft snapshot message. */
  message: Uint8Array;
}

export interface SnapshotTrailer {
  payload_bytes: number;
  payload_crc32c: number;
}

/** A part as it is sent: exactly one member set. */
export type SnapshotPartOut = { header: SnapshotHeader } | { chunk: Uint8Array } | { trailer: SnapshotTrailer };

/** A part as it arrives: `part` names the member that is set (undefined when none is, from a broken sender). */
export type SnapshotPartIn =
  | { part: 'header'; header: SnapshotHeader }
  | { part: 'chunk'; chunk: Uint8Array }
  | { part: 'trailer'; trailer: SnapshotTrailer }
  | { part?: undefined };

export interface SnapshotStaged {
  payload_bytes: number;
}

/** A member as Forward carries it (membership.proto's MemberInfo); ids in decimal. */
export interface WireMember {
  id: string;
  name: string;
  peer_urls: string[];
  client_urls: string[];
  is_learner: boolean;
}

/** A request passed on to the leader, as it is sent: exactly one member set. */
export type ForwardRequestOut =
  | { member_add: { peer_urls: string[]; is_learner: boolean } }
  | { member_remove: string }
  | { member_promote: string }
  | { lease_renew: string }
  | { lease_time_to_live: { id: string; keys: boolean } }
  | { lease_renewals: { ids: string[] } };

/**
 * The same as it arrives: `request` names the member that is set. Empty repeated fields and false
 * booleans may be absent (the peer protocol is loaded without defaults).
 */
export type ForwardRequestIn =
  | { request: 'member_add'; member_add: { peer_urls?: string[]; is_learner?: boolean } }
  | { request: 'member_remove'; member_remove: string }
  | { request: 'member_promote'; member_promote: string }
  | { request: 'lease_renew'; lease_renew: string }
  | { request: 'lease_time_to_live'; lease_time_to_live: { id?: string; keys?: boolean } }
  | { request: 'lease_renewals'; lease_renewals: { ids?: string[] } }
  | { request?: undefined };

/** A lease's time to live as the leader's clock tells it. */
export interface WireTimeToLive {
  ttl: number;
  granted_ttl: number;
  keys: readonly Uint8Array[];
}

/** The leader's answer, as it is sent. */
export type ForwardResponseOut =
  | { etcd_error: string }
  | { members: { member?: WireMember; members: WireMember[] } }
  | { lease_ttl: number }
  | { lease_time_to_live: WireTimeToLive }
  | { lease_renewed: { results: WireLeaseRenewal[] } };

/** One renewal's outcome in a batch: its TTL (0 for no such lease), or the etcd error it failed with. */
export type WireLeaseRenewal = { ttl: number } | { etcd_error: string };

/** The same as it arrives (see ForwardRequestIn). */
export type ForwardResponseIn =
  | { result: 'etcd_error'; etcd_error: string }
  | { result: 'members'; members: { member?: Partial<WireMember>; members?: Partial<WireMember>[] } }
  | { result: 'lease_ttl'; lease_ttl: number }
  | { result: 'lease_time_to_live'; lease_time_to_live: Partial<WireTimeToLive> }
  | { result: 'lease_renewed'; lease_renewed: { results?: WireLeaseRenewalIn[] } }
  | { result?: undefined };

/** A renewal's outcome as it arrives: `result` names the member that is set. */
export type WireLeaseRenewalIn = { result: 'ttl'; ttl: number } | { result: 'etcd_error'; etcd_error: string } | { result?: undefined };

/** What server.addService takes: one handler per RPC. */
export interface PeerServiceHandlers {
  [name: string]:
    | handleClientStreamingCall<MessageBatch, StreamClosed>
    | handleClientStreamingCall<SnapshotPartIn, SnapshotStaged>
    | handleUnaryCall<ForwardRequestIn, ForwardResponseOut>;
  Stream: handleClientStreamingCall<MessageBatch, StreamClosed>;
  SendSnapshot: handleClientStreamingCall<SnapshotPartIn, SnapshotStaged>;
  Forward: handleUnaryCall<ForwardRequestIn, ForwardResponseOut>;
}

export interface PeerClient extends Client {
  Stream(metadata: Metadata, options: CallOptions, callback: requestCallback<StreamClosed>): ClientWritableStream<MessageBatch>;
  SendSnapshot(
    metadata: Metadata,
    options: CallOptions,
    callback: requestCallback<SnapshotStaged>,
  ): ClientWritableStream<SnapshotPartOut>;
  Forward(request: ForwardRequestOut, metadata: Metadata, options: CallOptions, callback: requestCallback<ForwardResponseIn>): ClientUnaryCall;
}

type PeerClientConstructor = new (address: string, credentials: ChannelCredentials, options?: ChannelOptions) => PeerClient;

/** The folder holding lodestone/peer.proto, found from the sources (rpc/) or a build (dist/rpc/). */
export function peerProtoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 4; level++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'lodestone', 'peer.proto'))) return candidate;
    dir = dirname(dir);
  }
  throw new BadOptionsError('cannot find proto/lodestone/peer.proto above ' + fileURLToPath(import.meta.url));
}

/** The loaded definition, with each method's message types (a type alias, so it fits grpc-js's index signature). */
export type PeerServiceDefinition = {
  readonly Stream: MethodDefinition<MessageBatch, StreamClosed>;
  readonly SendSnapshot: MethodDefinition<SnapshotPartIn, SnapshotStaged>;
  readonly Forward: MethodDefinition<ForwardRequestIn, ForwardResponseOut>;
};

let definition: PeerServiceDefinition | undefined;
let clientConstructor: PeerClientConstructor | undefined;

export function peerServiceDefinition(): PeerServiceDefinition {
  if (definition === undefined) {
    const pkg = loadSync('lodestone/peer.proto', { ...PEER_LOADER_OPTIONS, includeDirs: [peerProtoRoot()] });
    const service = pkg[PEER_SERVICE_FULL_NAME];
    if (service === undefined || 'format' in service) throw new BadOptionsError(`${PEER_SERVICE_FULL_NAME} is not defined`);
    definition = service as unknown as PeerServiceDefinition;
  }
  return definition;
}

export function peerClientConstructor(): PeerClientConstructor {
  clientConstructor ??= makeClientConstructor(peerServiceDefinition(), PEER_SERVICE_FULL_NAME) as unknown as PeerClientConstructor;
  return clientConstructor;
}

/** The caller's identity, sent as call metadata on every peer call. */
export interface CallIdentity {
  readonly clusterId: string;
  readonly sender: NodeId;
  readonly recipient: NodeId;
}

const CLUSTER_ID_KEY = 'lodestone-cluster-id';
const SENDER_KEY = 'lodestone-sender';
const RECIPIENT_KEY = 'lodestone-recipient';

export function identityMetadata(identity: CallIdentity): Metadata {
  const metadata = new Metadata();
  metadata.set(CLUSTER_ID_KEY, identity.clusterId);
  metadata.set(SENDER_KEY, String(identity.sender));
  metadata.set(RECIPIENT_KEY, String(identity.recipient));
  return metadata;
}

/** Throws BadMetadataError when a key is missing or an id is not a positive safe integer in decimal. */
export function readIdentity(metadata: Metadata): CallIdentity {
  return {
    clusterId: readText(metadata, CLUSTER_ID_KEY),
    sender: readId(metadata, SENDER_KEY),
    recipient: readId(metadata, RECIPIENT_KEY),
  };
}

function readText(metadata: Metadata, key: string): string {
  const values = metadata.get(key);
  const value = values[0];
  if (values.length !== 1 || typeof value !== 'string') throw new BadMetadataError(`expected one text value for ${key}`);
  return value;
}

function readId(metadata: Metadata, key: string): NodeId {
  const text = readText(metadata, key);
  const id = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(id)) throw new BadMetadataError(`${key} is not a member id: "${text}"`);
  return id;
}

export interface PeerChannelLimits {
  /** The largest gRPC message either end sends or accepts. */
  readonly maxMessageBytes: number;
}

/**
 * Options for the server and for every client channel. Messages may be far larger than gRPC's
 * 4 MiB default (a batch, a snapshot header). Reconnection inside grpc-js is kept quick, since the
 * stream's own back-off decides how often to try. Each transport keeps its own connections (local
 * subchannel pool), so two transports in one process never share one, as two processes would not.
 */
export function peerChannelOptions(limits: PeerChannelLimits): ChannelOptions {
  return {
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.initial_reconnect_backoff_ms': 50,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
    // Channelz's per-call bookkeeping costs every raft message batch, and nothing here reads it.
    'grpc.enable_channelz': 0,
  };
}
