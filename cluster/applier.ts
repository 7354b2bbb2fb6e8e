// Turns a Ready's committed entries into one store batch: client writes become store requests,
// configuration changes update raft and the member list, and everything (the changes, the member
// list, the applied index) is written together. The outcome of each proposal goes back to the
// member that proposed it.
import type { ConfChangeEntry, ConfState, Entry, NodeId } from '../raft/index.js';
import { AuthError } from '../store/auth/auth-errors.js';
import type { AuthState } from '../store/auth/auth-state.js';
import { checkWrite } from '../store/auth/request-checks.js';
import { setMeta, type MetaWrite } from '../store/meta.js';
import type { ApplyItem, ApplyOutcome, MvccStore } from '../store/mvcc/mvcc-store.js';
import type { MvccEvent } from '../store/mvcc/types.js';
import { applyMembershipChange, decodeChangeOrigin, MEMBERS, REMOVED_MEMBERS, withAttributes, withPeerUrls, type MemberRecord } from './membership.js';
import { decodeProposal } from './proposal-codec.js';
import { changeAlarms, hasAlarm } from './alarms.js';
import { refusedWhileNoSpace } from './quota.js';
import type { AlarmInfo } from '../rpc/member-backend.js';
import { NoSpaceError } from '../store/errors.js';

export interface AppliedProposal {
  readonly seq: number;
  readonly outcome: ApplyOutcome;
}

/** Leases that came and went in a batch: the lessor keeps their clocks. */
export interface LeaseChanges {
  readonly granted: readonly { readonly id: bigint; readonly ttl: number }[];
  readonly revoked: readonly bigint[];
}

/** How an auth request (a change, or a login) came out, for the member that proposed it. */
export type AuthOutcome =
  | { readonly ok: true; readonly index: number; readonly revision: number }
  | { readonly ok: false; readonly error: AuthError };

/** A login applied: every member learns its simple token (the prefix and the entry's index). */
export interface AppliedLogin {
  readonly index: number;
  readonly username: string;
  readonly tokenPrefix: string;
}

export interface ApplyResult {
  readonly leases: LeaseChanges;
  /** This member's membership requests (changes, updates) now applied, with the member list after each. */
  readonly membership: readonly { readonly seq: number; readonly members: readonly MemberRecord[] }[];
  /** Outcomes of this member's own proposals, by sequence number. */
  readonly own: readonly AppliedProposal[];
  /** Outcomes of this member's own auth requests, by sequence number. */
  readonly authOutcomes: readonly { readonly seq: number; readonly outcome: AuthOutcome }[];
  /** Logins applied in the batch, in order. */
  readonly logins: readonly AppliedLogin[];
  /** Answers to this member's own alarm changes, by sequence number (etcd's AlarmResponse alarms). */
  readonly alarmOutcomes: readonly { readonly seq: number; readonly answer: readonly AlarmInfo[] }[];
  /** The active alarms after the batch, when the batch changed them. */
  readonly alarms?: readonly AlarmInfo[];
  /** The auth store after the batch, when the batch changed it. */
  readonly auth?: AuthState;
  /** Events of every applied write, in revision order, for watchers. */
  readonly events: readonly MvccEvent[];
  /** The member list, when a configuration change or publish changed it. */
  readonly members?: readonly MemberRecord[];
  /** Every member removed so far, when entries here removed one. */
  readonly removed?: readonly NodeId[];
  /** The configuration, when a configuration change moved it. */
  readonly confState?: ConfState;
  readonly lastIndex: number;
  /** The term of the last empty entry (each leader appends one when elected), if the batch held one. */
  readonly emptyEntryTerm?: number;
}

/** Where configuration entries go as they are applied: raft's tracker (the driver). */
export interface ConfChangeSink {
  applyConfChange(entry: ConfChangeEntry): ConfState;
}

const NOOP = { type: 'noop' } as const;

export async function applyEntries(
  self: NodeId,
  raft: ConfChangeSink,
  store: MvccStore,
  members: readonly MemberRecord[],
  authBefore: AuthState,
  alarmsBefore: readonly AlarmInfo[],
  entries: readonly Entry[],
  options: {
    readonly sync: boolean;
    readonly eventsWithPrevKv: boolean;
    /** Called once the batch is readable, before it is durable (see MvccStore's ApplyOptions). */
    readonly onVisible?: (result: ApplyResult) => void;
  },
): Promise<ApplyResult> {
  const items: ApplyItem[] = [];
  const ownSeq = new Map<number, number>(); // index → seq, for our own proposals
  let list = members;
  let membersChanged = false;
  let confState: ConfState | undefined;
  let removed: NodeId[] | undefined;
  let emptyEntryTerm: number | undefined;
  let auth = authBefore;
  const authOutcomes: { seq: number; outcome: AuthOutcome }[] = [];
  const logins: AppliedLogin[] = [];
  let alarms = alarmsBefore;
  const alarmOutcomes: { seq: number; answer: readonly AlarmInfo[] }[] = [];
  // Entries the store applied before (replayed after a restart) must not move the member list again:
  // the store's list is already as of its applied index.
  const storeApplied = store.appliedIndex;
  const membership: { seq: number; members: readonly MemberRecord[] }[] = [];
  for (const e of entries) {
    if (e.type === 'confChange') {
      confState = raft.applyConfChange(e);
      const meta: MetaWrite[] = [];
      if (e.index > storeApplied) {
        list = applyMembershipChange(list, e.change);
        membersChanged = true;
        meta.push(setMeta(MEMBERS, [...list]));
        if (e.change.type === 'removeNode') {
          removed = [...(removed ?? store.meta(REMOVED_MEMBERS) ?? []).filter((id) => id !== e.change.nodeId), e.change.nodeId];
          meta.push(setMeta(REMOVED_MEMBERS, removed));
        }
      }
      const origin = decodeChangeOrigin(e.change.context);
      if (origin && origin.proposer === self) membership.push({ seq: origin.seq, members: list });
      items.push({ index: e.index, request: NOOP, confState, meta });
      continue;
    }
    if (e.data.length === 0) {
      emptyEntryTerm = e.term;
      items.push({ index: e.index, request: NOOP });
      continue;
    }
    const p = decodeProposal(e.data);
    if (p.proposer === self) ownSeq.set(e.index, p.seq);
    if (p.request.type === 'publish' || p.request.type === 'updateMember') {
      const meta: MetaWrite[] = [];
      if (e.index > storeApplied) {
        list =
          p.request.type === 'publish'
            ? withAttributes(list, p.proposer, p.request.name, p.request.clientUrls)
            : withPeerUrls(list, p.request.id, p.request.peerUrls);
        membersChanged = true;
        meta.push(setMeta(MEMBERS, [...list]));
      }
      if (p.proposer === self) membership.push({ seq: p.seq, members: list });
      ownSeq.delete(e.index);
      items.push({ index: e.index, request: NOOP, meta });
      continue;
    }
    if (p.request.type === 'auth') {
      ownSeq.delete(e.index);
      // Replayed after a restart: the auth store loaded is already past it.
      if (e.index <= storeApplied) {
        items.push({ index: e.index, request: NOOP });
        continue;
      }
      const o = p.request.op;
      let outcome: AuthOutcome;
      let meta: readonly MetaWrite[] = [];
      try {
        // etcd's needAdminPermission: every auth request but a login is root's, once auth is on.
        if (p.who && o.op !== 'authenticate') auth.checkAdmin(p.who);
        const change = auth.apply(o);
        auth = change.state;
        meta = change.writes;
        outcome = { ok: true, index: e.index, revision: auth.revision };
        if (o.op === 'authenticate') logins.push({ index: e.index, username: o.name, tokenPrefix: o.tokenPrefix });
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        outcome = { ok: false, error: err };
      }
      if (p.proposer === self) authOutcomes.push({ seq: p.seq, outcome });
      items.push({ index: e.index, request: NOOP, meta });
      continue;
    }
    if (p.request.type === 'alarm') {
      ownSeq.delete(e.index);
      // Replayed after a restart: the alarms loaded are already past it.
      if (e.index <= storeApplied) {
        items.push({ index: e.index, request: NOOP });
        continue;
      }
      const change = changeAlarms(alarms, p.request);
      alarms = change.alarms;
      if (p.proposer === self) alarmOutcomes.push({ seq: p.seq, answer: change.answer });
      items.push({ index: e.index, request: NOOP, meta: change.write ? [change.write] : [] });
      continue;
    }
    const who = p.who;
    const at = auth;
    const request = p.request;
    // While NOSPACE is raised, writes that would grow the state fail on every member alike (etcd's capped applier).
    const capped = hasAlarm(alarms, 'NOSPACE') && refusedWhileNoSpace(request);
    // A client's write is checked against the auth store as this entry finds it (etcd's auth applier).
    if (who && at.enabled) {
      items.push({
        index: e.index,
        request,
        guard: (view) => {
          checkWrite(at, who, request, (id) => view.leaseKeys(id));
          if (capped) throw new NoSpaceError();
        },
      });
    } else if (capped) {
      items.push({ index: e.index, request, guard: () => { throw new NoSpaceError(); } });
    } else items.push({ index: e.index, request });
  }
  let result: ApplyResult | undefined;
  const summarize = (outcomes: readonly ApplyOutcome[]): ApplyResult => (result ??= summarizeBatch(outcomes));
  const { onVisible } = options;
  const outcomes = await store.applyBatch(items, {
    sync: options.sync,
    eventsWithPrevKv: options.eventsWithPrevKv,
    ...(onVisible ? { onVisible: (o: readonly ApplyOutcome[]) => onVisible(summarize(o)) } : {}),
  });
  return summarize(outcomes);

  function summarizeBatch(outcomes: readonly ApplyOutcome[]): ApplyResult {
    const own: AppliedProposal[] = [];
    const events: MvccEvent[] = [];
    const granted: { id: bigint; ttl: number }[] = [];
    const revoked: bigint[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (o.status === 'applied') {
        for (const ev of o.events) events.push(ev);
        const req = items[i]!.request;
        if (req.type === 'leaseGrant') granted.push({ id: req.request.id, ttl: req.request.ttl });
        else if (req.type === 'leaseRevoke') revoked.push(req.request.id);
      }
      const seq = ownSeq.get(o.index);
      if (seq !== undefined) own.push({ seq, outcome: o });
    }
    return {
      own,
      authOutcomes,
      alarmOutcomes,
      ...(alarms !== alarmsBefore ? { alarms } : {}),
      logins,
      ...(auth !== authBefore ? { auth } : {}),
      events,
      leases: { granted, revoked },
      membership,
      ...(membersChanged ? { members: list } : {}),
      ...(removed ? { removed } : {}),
      ...(confState ? { confState } : {}),
      lastIndex: entries[entries.length - 1]!.index,
      ...(emptyEntryTerm !== undefined ? { emptyEntryTerm } : {}),
    };
  }
}
