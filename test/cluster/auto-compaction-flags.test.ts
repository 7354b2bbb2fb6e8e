// --auto-compaction-mode and --auto-compaction-retention as etcd 3.4 reads them, from the command
// line, LODESTONE_* variables and the config file; values etcd refuses are refused at start-up with
// etcd's words, by the member process too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCompactionRetention } from '../../cluster/compaction-retention.js';
import { parseCommandLine } from '../../cluster/flags.js';
import { MemberOptionsError, validateOptions } from '../../cluster/member-options.js';
import { REPO_ROOT } from '../support/cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'compaction-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;

describe('auto-compaction flags, as etcd 3.4 reads them', () => {
  it('is off by default: periodic mode, retention 0', () => {
    const { options } = parseCommandLine([], {});
    expect(options.autoCompactionMode).toBe('periodic');
    expect(options.autoCompactionRetention).toBe('0');
    expect(parseCompactionRetention(options.autoCompactionMode, options.autoCompactionRetention)).toEqual({ kind: 'off' });
    // Revision mode looks every 5 minutes, as etcd's does, unless an embedder says otherwise.
    expect(options.autoCompactionRevisionCheckIntervalMs).toBe(5 * 60_000);
  });

  it('reads durations, and bare numbers as hours, in periodic mode', () => {
    expect(parseCompactionRetention('periodic', '1')).toEqual({ kind: 'periodic', periodMs: HOUR });
    expect(parseCompactionRetention('periodic', '24')).toEqual({ kind: 'periodic', periodMs: 24 * HOUR });
    expect(parseCompactionRetention('periodic', '1h')).toEqual({ kind: 'periodic', periodMs: HOUR });
    expect(parseCompactionRetention('periodic', '30m')).toEqual({ kind: 'periodic', periodMs: 30 * 60_000 });
    expect(parseCompactionRetention('periodic', '90s')).toEqual({ kind: 'periodic', periodMs: 90_000 });
    expect(parseCompactionRetention('periodic', '1h30m')).toEqual({ kind: 'periodic', periodMs: 1.5 * HOUR });
    expect(parseCompactionRetention('periodic', '0s')).toEqual({ kind: 'off' });
  });

  it('reads a revision count in revision mode (a duration as its nanoseconds, as etcd does)', () => {
    expect(parseCompactionRetention('revision', '1000')).toEqual({ kind: 'revision', revisions: 1000 });
    expect(parseCompactionRetention('revision', '0')).toEqual({ kind: 'off' });
    expect(parseCompactionRetention('revision', '1us')).toEqual({ kind: 'revision', revisions: 1000 });
  });

  it("refuses what etcd refuses, in etcd's words", () => {
    const refused = (mode: string, retention: string): string => {
      try {
        parseCompactionRetention(mode, retention);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    // etcd 3.4.23's own messages for the same values.
    expect(refused('periodic', 'abc')).toBe('error parsing CompactionRetention: time: invalid duration "abc"');
    expect(refused('periodic', '-1')).toBe('error parsing CompactionRetention: time: missing unit in duration "-1"');
    expect(refused('periodic', '1.5')).toBe('error parsing CompactionRetention: time: missing unit in duration "1.5"');
    expect(refused('revision', '1x')).toBe('error parsing CompactionRetention: time: unknown unit "x" in duration "1x"');
    expect(refused('foo', '1')).toBe('unknown auto-compaction-mode "foo"');
  });

  it('takes them from LODESTONE_* variables and the config file like the other flags, and validates them at start', () => {
    const file = join(dir, 'member.yml');
    writeFileSync(file, ['auto-compaction-mode: revision', 'auto-compaction-retention: 1000'].join('\n'));
    const fromFile = parseCommandLine(['--config-file', file], {}).options;
    expect([fromFile.autoCompactionMode, fromFile.autoCompactionRetention]).toEqual(['revision', '1000']);
    const fromEnv = parseCommandLine([], { LODESTONE_AUTO_COMPACTION_RETENTION: '5m' }).options;
    expect(fromEnv.autoCompactionRetention).toBe('5m');
    const fromFlag = parseCommandLine(['--auto-compaction-mode=revision', '--auto-compaction-retention', '10'], {}).options;
    expect([fromFlag.autoCompactionMode, fromFlag.autoCompactionRetention]).toEqual(['revision', '10']);
    validateOptions(fromFlag);
    const bad = parseCommandLine(['--auto-compaction-retention', '2 hours'], {}).options;
    expect(() => validateOptions(bad)).toThrow(MemberOptionsError);
    expect(() => validateOptions(bad)).toThrow('error parsing CompactionRetention: time: unknown unit " hours" in duration "2 hours"');
  });

  it('a member process given a bad retention or mode exits at start-up saying why', () => {
    for (const [args, message] of [
      [['--auto-compaction-retention', '1.5'], 'error parsing CompactionRetention: time: missing unit in duration "1.5"'],
      [['--auto-compaction-mode', 'hourly', '--auto-compaction-retention', '1'], 'unknown auto-compaction-mode "hourly"'],
    ] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli', 'main.ts'), 'member', '--data-dir', join(dir, 'never'), ...args], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('member started');
    }
  });
});
