// The pure parts of `lodestone config` and the admin client: line diffs, the diff and table output,
// the gray selector flags, release names, error answers turned into typed errors, type names.
import { describe, expect, it } from 'vitest';
import { errorFromAnswer } from '../../client/config-center/config-error.js';
import { fullNamespace, namespacePath } from '../../client/config-center/admin-client.js';
import { errorLines, StagedButNotPublished } from '../../cli/config/command-error.js';
import { diffText, oneLine } from '../../cli/config/diff-output.js';
import { parseRef, refOfGet, valueOf, type GetFlags, type SetFlags } from '../../cli/config/flags.js';
import { lineDiff } from '../../cli/config/line-diff.js';
import { historyTable, itemsTable, statusText } from '../../cli/config/listings.js';
import { typeNameFor } from '../../cli/config/schema-types.js';
import { selectorFrom } from '../../cli/config/selector-flags.js';

const flags = (f: Partial<GetFlags & SetFlags>): GetFlags & SetFlags => ({ endpoints: [], dialTimeout: 1, commandTimeout: 1, writeOut: 'table', ...f });

describe('line diff', () => {
  it('keeps common lines and prints removed lines before the lines that replace them', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
    expect(lineDiff('', 'x')).toEqual([{ op: '+', text: 'x' }]);
    expect(lineDiff('x\n', '')).toEqual([{ op: '-', text: 'x' }]);
  });
});

describe('diff output', () => {
  it('prints one line per one-line item and a unified block per multi-line item', () => {
    const text = diffText('app/default/default', {
      from: 2,
      to: 'draft',
      changes: [
        { item: 'a', change: 'added', after: { value: 'x y', format: 'text' } },
        { item: 'b', change: 'removed', before: { value: '{"k":1}', format: 'json' } },
        { item: 'c', change: 'changed', before: { value: '1', format: 'text' }, after: { value: '2', format: 'json' } },
        { item: 'd', change: 'changed', before: { value: 'k: 1\nj: 2\n', format: 'yaml' }, after: { value: 'k: 3\nj: 2\n', format: 'yaml' } },
        { item: 'e', change: 'changed', before: { value: '', format: 'text' }, after: { value: ' padded', format: 'text' } },
      ],
    });
    expect(text).toBe(
      [
        '--- app/default/default release 2',
        '+++ app/default/default the draft',
        '+ a = x y',
        '- b = {"k":1} (json)',
        '~ c: 1 → 2 [text → json]',
        '~ d (yaml)',
        '    - k: 1',
        '    + k: 3',
        '      j: 2',
        '~ e: "" → " padded"',
      ].join('\n'),
    );
    expect(diffText('n', { from: 1, to: 1, changes: [] })).toBe('--- n release 1\n+++ n release 1\n(no changes)');
    expect(diffText('n', { from: 1, to: 2, changes: [{ item: 'a', change: 'added', after: { value: 'v', format: 'text' } }] }, { color: true })).toContain('\u001b[32m+ a = v\u001b[0m');
  });

  it('shows a value with line breaks or edge spaces as a JSON string', () => {
    expect(oneLine('plain value')).toBe('plain value');
    expect(oneLine('two\nlines')).toBe('"two\\nlines"');
  });
});

describe('tables', () => {
  it('lists items sorted, history with the current and gray releases marked, status per release and instance', () => {
    expect(itemsTable({ b: { value: '2', format: 'text' }, a: { value: 'x: 1\n', format: 'yaml' } })).toBe('ITEM   FORMAT   VALUE\na      yaml     "x: 1\\n"\nb      text     2');
    const base = { message: '', author: 'ann', time: '2026-12-03T09:00:00.123Z', base: 0, schemaRevision: 0, itemCount: 1 };
    expect(
      historyTable(
        [
          { ...base, release: 3, kind: 'gray', selector: { labels: { canary: 'true' }, percent: 10 } },
          { ...base, release: 2, kind: 'rollback', from: 1, message: 'back' },
          { ...base, release: 1, kind: 'publish' },
        ],
        2,
        3,
      ),
    ).toBe(
      [
        'RELEASE   KIND                   ITEMS   AUTHOR   TIME                   MESSAGE',
        '3 ~       gray canary=true 10%   1       ann      2026-12-03T09:00:00Z   -',
        '2 *       rollback to 1          1       ann      2026-12-03T09:00:00Z   back',
        '1         publish                1       ann      2026-12-03T09:00:00Z   -',
      ].join('\n'),
    );
    const instance = { labels: { canary: 'true' }, via: 'exec' as const, host: 'h', pid: 1, time: '' };
    expect(
      statusText('app/default/default', {
        current: { release: 2, lastRelease: 3 },
        gray: { release: 3, base: 2, selector: { labels: { canary: 'true' } }, author: 'ann', time: '' },
        instances: [
          { ...instance, instance: 'b', release: 3, state: 'rejected', reason: 'bad\nvalue', expected: 3, upToDate: false },
          { ...instance, instance: 'a', release: 3, state: 'applied', expected: 3, upToDate: true },
        ],
        byRelease: { '3': { applied: 1, rejected: 1 } },
      }),
    ).toBe(
      [
        'app/default/default: current release 2, gray release 3 to canary=true',
        '',
        'RELEASE   APPLIED   REJECTED',
        '3 ~       1         1',
        '',
        'INSTANCE   RELEASE   STATE      EXPECTED   UP-TO-DATE   VIA    LABELS        REASON',
        'a          3         applied    3          yes          exec   canary=true   -',
        'b          3         rejected   3          no           exec   canary=true   "bad\\nvalue"',
      ].join('\n'),
    );
  });
});

describe('flags', () => {
  it('parses gray selectors, release names and where a value comes from', async () => {
    expect(selectorFrom({ labels: 'canary=true, zone=b' })).toEqual({ labels: { canary: 'true', zone: 'b' } });
    expect(selectorFrom({ percent: '10%' })).toEqual({ percent: 10 });
    expect(() => selectorFrom({})).toThrow(/needs --labels/);
    expect(() => selectorFrom({ labels: 'canary' })).toThrow(/key=value/);
    expect(() => selectorFrom({ percent: '0' })).toThrow(/1 to 100/);
    expect(() => selectorFrom({ percent: '101' })).toThrow(/1 to 100/);

    expect([parseRef('3'), parseRef('current'), parseRef('draft')]).toEqual([3, 'current', 'draft']);
    expect(() => parseRef('0')).toThrow(/positive whole number/);
    expect(() => parseRef('latest')).toThrow(/positive whole number/);
    expect(refOfGet(flags({}))).toBe('current');
    expect(refOfGet(flags({ release: '2' }))).toBe(2);
    expect(refOfGet(flags({ draft: true }))).toBe('draft');
    expect(() => refOfGet(flags({ draft: true, release: '2' }))).toThrow(/cannot be used together/);

    expect(await valueOf('v', flags({}))).toBe('v');
    expect(await valueOf('-', flags({}), () => Promise.resolve('from stdin'))).toBe('from stdin');
    await expect(valueOf(undefined, flags({}))).rejects.toThrow(/missing the value/);
    await expect(valueOf('v', flags({ file: '/nonexistent' }))).rejects.toThrow(/not both/);
  });

  it('expands namespaces and refuses bad ones as invalid arguments', () => {
    expect(fullNamespace('app')).toBe('app/default/default');
    expect(namespacePath('app/prod')).toBe('/lodestone/v1/config/app/prod/default');
    expect(() => fullNamespace('a/b/c/d')).toThrow(expect.objectContaining({ code: 'LODESTONE_INVALID_ARGUMENT' }));
  });

  it('derives a type name from the app', () => {
    expect(typeNameFor('my_service/prod/default')).toBe('MyServiceConfig');
    expect(typeNameFor('checkout')).toBe('CheckoutConfig');
    expect(typeNameFor('9lives')).toBe('N9livesConfig');
  });
});

describe('error answers', () => {
  it('become typed errors with the code, the status, each schema violation and the winning release', () => {
    const schema = errorFromAnswer(422, {
      error: { code: 'CONFIG_SCHEMA_INVALID', message: 'publish does not conform', errors: [{ path: '/n', message: 'must be integer' }] },
    });
    expect([schema.code, schema.status, schema.message, schema.errors]).toEqual(['CONFIG_SCHEMA_INVALID', 422, 'publish does not conform', [{ path: '/n', message: 'must be integer' }]]);
    expect(errorLines(schema)).toEqual(['Error: publish does not conform (CONFIG_SCHEMA_INVALID)', '  /n: must be integer']);
    expect(errorLines(new StagedButNotPublished(schema, 'The change stays in the draft.'))).toEqual([
      'Error: publish does not conform (CONFIG_SCHEMA_INVALID)',
      '  /n: must be integer',
      'The change stays in the draft.',
    ]);
    const conflict = errorFromAnswer(409, { error: { code: 'CONFIG_CONFLICT', message: 'release 4 won', release: 4 } });
    expect([conflict.code, conflict.release]).toEqual(['CONFIG_CONFLICT', 4]);
    // A body that is not the API's (a proxy's page): the status decides.
    const proxy = errorFromAnswer(404, '<html>not here</html>', '<html>not here</html>');
    expect([proxy.code, proxy.message]).toEqual(['CONFIG_NOT_FOUND', 'the member answered HTTP 404: <html>not here</html>']);
    expect(errorFromAnswer(502, undefined).code).toBe('CONFIG_INTERNAL');
    expect(errorFromAnswer(401, { error: { code: 'SOMETHING_ELSE', message: 'm' } }).code).toBe('CONFIG_PERMISSION_DENIED');
  });
});
