// One-line descriptions of messages and entries for simulation traces.
import type { Entry, Message } from '../../raft/index.js';

export function describeEntry(e: Entry): string {
  if (e.type === 'confChange') return `${e.index}/${e.term}:${e.change.type}(${e.change.nodeId})`;
  return `${e.index}/${e.term}:${e.data.length === 0 ? 'noop' : new TextDecoder().decode(e.data)}`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}→${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'append': {
      const ents = m.entries.length === 0 ? '' : ` [${m.entries.length > 4 ? `${describeEntry(m.entries[0]!)} … ${describeEntry(m.entries[m.entries.length - 1]!)}` : m.entries.map(describeEntry).join(' ')}]`;
      return `${head} prev ${m.prevIndex}/${m.prevTerm} commit ${m.commit}${ents}`;
    }
    case 'appendResp':
      return m.reject ? `${head} REJECT ${m.index} hint ${m.rejectHint}/${m.rejectTerm}` : `${head} ok ${m.index}`;
    case 'vote':
    case 'preVote':
      return `${head} last ${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head} ${m.reject ? 'REJECT' : 'granted'}`;
    case 'snapshot':
      return `${head} snapshot ${m.snapshot.meta.index}/${m.snapshot.meta.term} voters ${m.snapshot.meta.confState.voters.join(',')}`;
    case 'heartbeat':
      return `${head} commit ${m.commit}${m.context ? ` ctx ${m.context}` : ''}`;
    case 'heartbeatResp':
      return `${head}${m.context ? ` ctx ${m.context}` : ''}`;
    case 'propose':
      return `${head} ${m.entries.length} entries`;
    case 'readIndex':
      return `${head} ctx ${m.context}`;
    case 'readIndexResp':
      return `${head} index ${m.index} ctx ${m.context}`;
    case 'transferLeader':
      return `${head} to ${m.transferee}`;
    case 'timeoutNow':
      return head;
  }
}
