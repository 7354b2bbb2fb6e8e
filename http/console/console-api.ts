// What a console API route (/ui/api/<route>[/…]) is given and answers. The console reads and
// changes the cluster through etcd's JSON gateway, Consul's API and the config API like any client;
// these routes are for what no public API answers in one call (the whole cluster's state, a
// check's history). Each runs as the caller: the token in the Authorization header, as the gateway.
import type { IncomingMessage } from 'node:http';
import type { CallOptions } from '../../rpc/call-options.js';
import type { AuthInfo } from '../../store/auth/auth-state.js';
import type { AuthRole } from '../../store/auth/auth-state.js';
import type { NodeId } from '../../raft/index.js';
import type { AlarmInfo, MemberInfo } from '../../rpc/member-backend.js';
import type { MemberHttp } from './member-http.js';

export type ConsoleMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The part of the member's auth the console asks (the member's AuthManager). */
export interface ConsoleAuth {
  isEnabled(): boolean;
  identify(call: CallOptions | undefined): Promise<AuthInfo | undefined>;
  userGet(name: string, call?: CallOptions): Promise<readonly string[]>;
  roleGet(role: string, call?: CallOptions): Promise<AuthRole>;
  /** Refuses (ETCD_PERMISSION_DENIED …) unless the caller has the root role, with auth on. */
  requireAdmin(call: CallOptions | undefined): Promise<void>;
}

/** The cluster as this member knows it, for the cluster page's route (each member's own state is asked of it). */
export interface ConsoleCluster {
  readonly memberId: NodeId;
  /** The applied member list. */
  members(): readonly MemberInfo[];
  /** The leader this member follows (0: none known). */
  leader(): NodeId;
  /** The active alarms, as applied here. */
  alarms(): readonly AlarmInfo[];
  /** Requests to other members' client URLs. */
  readonly http: MemberHttp;
}

/** The member as the console's routes see it; routes that need more add it here. */
export interface ConsoleSource {
  readonly auth: ConsoleAuth;
  /** This member's name, as the member list shows it. */
  readonly memberName: string;
  readonly cluster: ConsoleCluster;
}

export interface ConsoleApiContext {
  readonly req: IncomingMessage;
  readonly query: URLSearchParams;
  /** The path's segments after /ui/api/<route>, decoded. */
  readonly rest: readonly string[];
  /** The request's JSON body ({} for GET or an empty body). */
  readonly body: Record<string, unknown>;
  readonly source: ConsoleSource;
  /** The caller's token (when it sent one) and a signal for a client that went away. */
  readonly call: CallOptions;
}

export interface ConsoleAnswer {
  readonly status: number;
  readonly body: unknown;
}

export type ConsoleApiRoute = Partial<Record<ConsoleMethod, (ctx: ConsoleApiContext) => Promise<ConsoleAnswer>>>;
