// Text for what the scenarios print: entries, messages, Readys, snapshots. One line per item, no
// blank lines (a blank line ends a directive's output), and nothing that varies between runs.
import type { ConfChange, ConfState, Entry, Message, ProposedEntry, Ready, Role, Snapshot } from '../../../raft/index.js';

const dec = new TextDecoder();

export function describeRole(role: Role): string {
  return role === 'preCandidate' ? 'pre-candidate' : role;
}

export function describeConfChange(cc: ConfChange): string {
  const kind = cc.type === 'addVoter' ? 'add-voter' : cc.type === 'addLearner' ? 'add-learner' : 'remove';
  return `${kind} ${cc.nodeId}`;
}

export function describeConfState(cs: ConfState): string {
  return `Voters:[${cs.voters.join(' ')}] Learners:[${cs.learners.join(' ')}]`;
}

function describePayload(e: ProposedEntry): string {
  return e.type === 'normal' ? `EntryNormal ${JSON.stringify(dec.decode(e.data))}` : `EntryConfChange ${describeConfChange(e.change)}`;
}

/** term/index, then the payload, as `1/11 EntryNormal "foo"`. */
export function describeEntry(e: Entry): string {
  return `${e.term}/${e.index} ${describePayload(e)}`;
}

export function describeSnapshot(s: Snapshot): string {
  return `Index:${s.meta.index} Term:${s.meta.term} ${describeConfState(s.meta.confState)} Data:${dec.decode(s.data) || '""'}`;
}

function list(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to}`;
  switch (m.type) {
    case 'append': {
      const ents = m.entries.length > 0 ? ` Entries:${list(m.entries.map(describeEntry))}` : '';
      return `${head} MsgApp Term:${m.term} Log:${m.prevTerm}/${m.prevIndex} Commit:${m.commit}${ents}`;
    }
    case 'appendResp': {
      const rej = m.reject ? ` Rejected (Hint: ${m.rejectTerm}/${m.rejectHint})` : '';
      return `${head} MsgAppResp Term:${m.term} Index:${m.index}${rej}`;
    }
    case 'vote':
    case 'preVote':
      return `${head} ${m.type === 'vote' ? 'MsgVote' : 'MsgPreVote'} Term:${m.term} Log:${m.lastTerm}/${m.lastIndex}${m.transfer ? ' Transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head} ${m.type === 'voteResp' ? 'MsgVoteResp' : 'MsgPreVoteResp'} Term:${m.term}${m.reject ? ' Rejected' : ''}`;
    case 'snapshot':
      return `${head} MsgSnap Term:${m.term} Snapshot[${describeSnapshot(m.snapshot)}]`;
    case 'heartbeat':
      return `${head} MsgHeartbeat Term:${m.term} Commit:${m.commit}${context(m.context)}`;
    case 'heartbeatResp':
      return `${head} MsgHeartbeatResp Term:${m.term}${context(m.context)}`;
    case 'timeoutNow':
      return `${head} MsgTimeoutNow Term:${m.term}`;
    case 'transferLeader':
      return `${head} MsgTransferLeader Term:${m.term} Transferee:${m.transferee}`;
    case 'propose':
      return `${head} MsgProp Term:${m.term} Entries:${list(m.entries.map(describePayload))}`;
    case 'readIndex':
      return `${head} MsgReadIndex Term:${m.term}${context(m.context)}`;
    case 'readIndexResp':
      return `${head} MsgReadIndexResp Term:${m.term} Index:${m.index}${context(m.context)}`;
  }
}

function context(ctx: string): string {
  return ctx === '' ? '' : ` Context:${JSON.stringify(ctx)}`;
}

/** The scenario name of a message type, as `type=` filters take it. */
export function messageTypeName(m: Message): string {
  return describeMessage(m).split(' ')[1]!;
}

/**
 * A Ready, one item a line. `applied` gives, for a committed configuration change, the
 * configuration that applying it produced (printed beside the entry).
 */
export function describeReady(rd: Ready, applied: ReadonlyMap<number, ConfState>): string[] {
  const out: string[] = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState) out.push(`Lead:${rd.softState.lead} Role:${describeRole(rd.softState.role)}`);
  if (rd.hardState) out.push(`HardState Term:${rd.hardState.term} Vote:${rd.hardState.vote} Commit:${rd.hardState.commit}`);
  if (rd.snapshot) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.entries.length > 0) out.push('Entries:', ...rd.entries.map((e) => `  ${describeEntry(e)}`));
  if (rd.committedEntries.length > 0) {
    out.push('CommittedEntries:');
    for (const e of rd.committedEntries) {
      const cs = applied.get(e.index);
      out.push(`  ${describeEntry(e)}${cs ? ` => ${describeConfState(cs)}` : ''}`);
    }
  }
  if (rd.messages.length > 0) out.push('Messages:', ...rd.messages.map((m) => `  ${describeMessage(m)}`));
  if (rd.readStates.length > 0) {
    out.push('ReadStates:', ...rd.readStates.map((rs) => `  Index:${rs.index} Context:${JSON.stringify(rs.context)}`));
  }
  return out;
}
