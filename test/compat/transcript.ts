// What each target answered, test by test, so that a run against real etcd and one against
// Lodestone can be compared after masking what legitimately differs between two clusters: ids
// (cluster_id, member_id), raft terms, addresses and ports, timings, etcdctl's log noise.
import { describe, expect, it } from 'vitest';
import type { CompatSetup, CompatTarget } from './targets.js';
import { KNOWN_DIFFERENCES, knownDifference } from './known-differences.js';

export interface TranscriptEntry {
  readonly label: string;
  readonly text: string;
}

export class Transcripts {
  private readonly byTarget = new Map<CompatTarget, Map<string, TranscriptEntry[]>>();
  private readonly names: string[] = [];

  constructor(readonly suite: string) {}

  /** Test names in the order the suite declared them (each once). */
  get testNames(): readonly string[] {
    return this.names;
  }

  declare(test: string): void {
    if (!this.names.includes(test)) this.names.push(test);
  }

  record(target: CompatTarget, test: string, label: string, text: string): void {
    let tests = this.byTarget.get(target);
    if (!tests) this.byTarget.set(target, (tests = new Map()));
    let entries = tests.get(test);
    if (!entries) tests.set(test, (entries = []));
    entries.push({ label, text });
  }

  entries(target: CompatTarget, test: string): readonly TranscriptEntry[] {
    return this.byTarget.get(target)?.get(test) ?? [];
  }

  /** The entries of one test as one text, masked for comparison. */
  render(target: CompatTarget, test: string): string {
    return this.entries(target, test)
      .map((e) => `$ ${mask(e.label, target)}\n${mask(e.text, target)}`)
      .join('\n');
  }
}

// Only non-zero values are masked: an id of 0 where etcd sends none is itself a difference.
const ID_FIELDS_JSON = /"(cluster_id|member_id|raft_term|ID|leader|raftTerm)":("[1-9]\d*"|[1-9]\d*)/g;
const ID_FIELDS_FIELDS = /"(ClusterID|MemberID|RaftTerm)" : [1-9]\d*/g;

/** Replaces what differs between any two clusters by placeholders. */
export function mask(text: string, target: CompatTarget): string {
  let out = text;
  const addresses = [...target.endpoints, ...(target.members ?? []).flatMap((m) => [m.clientUrl, m.peerUrl])];
  // Longest first, so that a URL is replaced whole before the endpoint inside it.
  for (const a of [...new Set(addresses)].sort((x, y) => y.length - x.length)) {
    const placeholder = a.startsWith('http') ? (target.members?.some((m) => m.peerUrl === a) ? '<peer-url>' : '<client-url>') : '<endpoint>';
    out = out.split(a).join(placeholder);
  }
  out = out.replace(ID_FIELDS_JSON, '"$1":<id>').replace(ID_FIELDS_FIELDS, '"$1" : <id>');
  out = out.replace(/took = [0-9.]+[µmn]?s/g, 'took = <duration>').replace(/"took":"[^"]*"/g, '"took":"<duration>"');
  // etcdctl's client logs a JSON warning before most errors; keep only the error it carries.
  out = out
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{"level":')) return line;
      try {
        const parsed = JSON.parse(line) as { error?: string; msg?: string };
        return `<etcdctl log: ${parsed.msg ?? ''}: ${parsed.error ?? ''}>`;
      } catch {
        return line;
      }
    })
    .join('\n');
  return out;
}

/**
 * One test per suite test and Lodestone cluster: its transcript and etcd's, masked, must be the same
 * text. Declared after the suites so that it runs after them; skipped when there is nothing to compare.
 */
export function describeComparison(setup: CompatSetup, transcripts: Transcripts): void {
  describe(`the known differences of the ${transcripts.suite} suite`, () => {
    it('each names a test of the suite (a renamed test must take its entry along)', () => {
      const names = new Set(transcripts.testNames.flatMap((n) => [n, `same: ${n}`]));
      const prefix = `${transcripts.suite} > `;
      const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => k.startsWith(prefix) && !names.has(k.slice(prefix.length)));
      expect(stale).toEqual([]);
    });
  });
  const comparison = setup.comparison;
  // An external etcd is run alone: nothing to compare.
  if (comparison === undefined) return;
  for (const lodestone of comparison.lodestone) {
    const run = comparison.etcd.available && lodestone.available;
    (run ? describe : describe.skip)(`etcd and ${lodestone.label} answer the same (ids, terms, ports and timings masked)`, () => {
      for (const name of transcripts.testNames) {
        const known = knownDifference(transcripts.suite, `same: ${name}`);
        (known ? it.fails : it)(name, () => {
          const etcd = transcripts.render(comparison.etcd, name);
          const ours = transcripts.render(lodestone, name);
          expect(etcd, 'etcd answered nothing: did its test run?').not.toBe('');
          expect(ours).toBe(etcd);
        });
      }
    });
  }
}
