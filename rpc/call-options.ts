// How long a client still waits for an answer, as the member is told it: the signal fires when the
// client is gone (it cancelled, its deadline passed, its connection dropped), so that what waits
// in the member for it (an entry to be applied, a read index, a lock) can give up and be forgotten
// instead of running into the member's own timeout. Nothing reaches the client after the signal:
// grpc-js has answered DEADLINE_EXCEEDED itself, or there is no call left to answer.
import type { PeerCertificate } from 'node:tls';
import type { Deadline, Metadata } from '@grpc/grpc-js';
import { EtcdError } from './etcd-errors.js';

/**
 * What the member watches to know a client left: the part of AbortSignal it uses, so a caller may
 * pass an AbortSignal, while each gRPC call gets a CallCancellation, which costs far less to make
 * than an AbortController on a path taken thousands of times a second.
 */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A CallSignal that its owner aborts once; listeners run once, in the order they were added. */
export class CallCancellation implements CallSignal {
  private done = false;
  private why: unknown = undefined;
  private listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.done;
  }

  get reason(): unknown {
    return this.why;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.done) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.done) return;
    this.done = true;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }
}

/**
 * Who a client call says it is: the token in its gRPC metadata (etcd's clients send it as `token`;
 * its gateway as `authorization`) and, without a token, the common name of the client certificate
 * its TLS connection verified, which etcd takes as the user when it runs with --client-cert-auth
 * (whether it does is the member's to decide). Present on every call that came through the client
 * API, even with neither; a request made by the member itself has none and is not checked.
 */
export interface CallerAuth {
  readonly token?: string;
  /**
   * The subject CN of the verified client certificate: undefined when the connection has none, ''
   * for a certificate without a CN. A function because reading the certificate decodes it, which
   * costs far more than the rest of a call's set-up: it is read only when a check needs it.
   */
  readonly certCommonName?: () => string | undefined;
}

export interface CallOptions {
  /**
   * Aborted when the client no longer waits. Its reason is the EtcdError etcd would end the
   * request with: ETCD_CANCELED, or ETCD_DEADLINE_EXCEEDED once the deadline has passed.
   */
  readonly signal?: CallSignal;
  /** When the client stops waiting, in ms since the epoch (as Date.now()); absent when it set no deadline. */
  readonly deadline?: number;
  /** The client's credentials; absent for the member's own requests (see CallerAuth). */
  readonly auth?: CallerAuth;
}

/** Options bound to a live call: there is always a signal. */
export interface BoundCallOptions extends CallOptions {
  readonly signal: CallSignal;
}

/** The parts of a grpc-js server call (unary or stream) that tell when its client goes away. */
export interface ServerCallLike {
  readonly cancelled: boolean;
  readonly metadata: Metadata;
  getDeadline(): Deadline;
  /** The TLS peer's certificate, when the connection is TLS and the certificate verified. */
  getAuthContext(): { readonly sslPeerCertificate?: PeerCertificate };
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

/** A call's options while its handler runs. */
export interface CallScope {
  readonly options: BoundCallOptions;
  /**
   * Stops following the call: call it once the answer is handed to grpc-js, which emits
   * 'cancelled' whenever the stream closes, answered or not.
   */
  end(): void;
}

/** grpc-js reports "no deadline" as Infinity. */
export function deadlineMs(deadline: Deadline): number | undefined {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A client whose deadline passes resets the stream at its own deadline, which reaches us a trip
 * before ours (ours is the time left it sent, counted from when the call arrived).
 */
const DEADLINE_SLACK_MS = 100;

/**
 * Why a call's client is gone, as etcd would say it. grpc-js ends a call whose deadline passed by
 * closing it, which it reports as 'cancelled' too: the clock tells the two apart.
 */
export function goneReason(deadline: number | undefined): EtcdError {
  const expired = deadline !== undefined && Date.now() >= deadline - DEADLINE_SLACK_MS;
  return new EtcdError(expired ? 'ETCD_DEADLINE_EXCEEDED' : 'ETCD_CANCELED');
}

/** The credentials a call carries (see CallerAuth). */
export function callerAuth(call: ServerCallLike): CallerAuth {
  const md = call.metadata;
  const raw = md.get('token')[0] ?? md.get('authorization')[0];
  if (raw !== undefined) return { token: firstValue(typeof raw === 'string' ? raw : raw.toString('utf8')) };
  let read = false;
  let cn: string | undefined;
  return {
    certCommonName: () => {
      if (!read) {
        cn = verifiedCommonName(call);
        read = true;
      }
      return cn;
    },
  };
}

/**
 * The first of the values a client sent under one key. Node's HTTP/2 hands a header sent more than
 * once as one value, the values joined with ", " (Python's etcd3 sends its token twice: as metadata
 * and as call credentials); Go's gRPC keeps them apart and etcd takes the first. No token has a
 * comma in it.
 */
function firstValue(joined: string): string {
  const comma = joined.indexOf(',');
  return comma < 0 ? joined : joined.slice(0, comma).trim();
}

/**
 * etcd's AuthInfoFromTLS: the subject CN of the leaf of the connection's verified chain. Go keeps
 * the last CN of a subject that has several, and '' for one without. A call that says it comes
 * through etcd's gRPC gateway is not taken for the certificate (the gateway dials with the
 * server's own).
 */
function verifiedCommonName(call: ServerCallLike): string | undefined {
  if (call.metadata.get('grpcgateway-accept').length > 0) return undefined;
  const cert = call.getAuthContext().sslPeerCertificate;
  if (cert === undefined) return undefined;
  const cn: string | string[] | undefined = cert.subject?.CN;
  if (Array.isArray(cn)) return cn[cn.length - 1] ?? '';
  return cn ?? '';
}

export function callScope(call: ServerCallLike): CallScope {
  const signal = new CallCancellation();
  const deadline = deadlineMs(call.getDeadline());
  const onCancelled = (): void => signal.abort(goneReason(deadline));
  if (call.cancelled) onCancelled();
  else call.on('cancelled', onCancelled);
  const auth = callerAuth(call);
  return {
    options: deadline === undefined ? { signal, auth } : { signal, deadline, auth },
    end: () => {
      call.removeListener('cancelled', onCancelled);
    },
  };
}
