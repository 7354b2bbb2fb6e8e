// How `lodestone config diff` prints a diff: a header naming both sides, then one block per item —
// "+ item = value" added, "- item = value" removed, "~ item: before → after" changed — and, for a
// multi-line value, its lines as `diff -u` shows them. Colours (for a terminal) mark + green, - red.
import type { ConfigItem, DiffChange, DiffView } from '../../client/config-center/admin-types.js';
import { isMultiLine, lineDiff } from './line-diff.js';

export interface DiffStyle {
  readonly color: boolean;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

/** "release 3", "the current release", "the draft". */
export function sideName(side: number | 'current' | 'draft'): string {
  if (side === 'draft') return 'the draft';
  if (side === 'current') return 'the current release';
  return side === 0 ? 'no release' : `release ${side}`;
}

/** A value on one line: as it is when it has no line break, as a JSON string when it has. */
export function oneLine(value: string): string {
  return /[\r\n]/.test(value) || value !== value.trim() || value.length === 0 ? JSON.stringify(value) : value;
}

const formatNote = (item: ConfigItem): string => (item.format === 'text' ? '' : ` (${item.format})`);

function paint(text: string, colour: string, style: DiffStyle): string {
  return style.color ? `${colour}${text}${RESET}` : text;
}

function changeLines(c: DiffChange, style: DiffStyle): string[] {
  const { before, after } = c;
  if (c.change === 'added' && after) return blockOf('+', c.item, after, GREEN, style);
  if (c.change === 'removed' && before) return blockOf('-', c.item, before, RED, style);
  if (!before || !after) return [paint(`~ ${c.item}`, YELLOW, style)];
  const formatChanged = before.format !== after.format ? ` [${before.format} → ${after.format}]` : '';
  if (!isMultiLine(before.value) && !isMultiLine(after.value)) {
    return [paint(`~ ${c.item}: ${oneLine(before.value)} → ${oneLine(after.value)}${formatChanged}`, YELLOW, style)];
  }
  const lines = [paint(`~ ${c.item}${formatNote(after)}${formatChanged}`, YELLOW, style)];
  for (const l of lineDiff(before.value, after.value)) {
    const text = `    ${l.op} ${l.text}`.trimEnd();
    lines.push(l.op === '+' ? paint(text, GREEN, style) : l.op === '-' ? paint(text, RED, style) : text);
  }
  return lines;
}

function blockOf(op: '+' | '-', item: string, value: ConfigItem, colour: string, style: DiffStyle): string[] {
  if (!isMultiLine(value.value)) return [paint(`${op} ${item} = ${oneLine(value.value)}${formatNote(value)}`, colour, style)];
  return [paint(`${op} ${item}${formatNote(value)}`, colour, style), ...value.value.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== '').map((l) => paint(`    ${op} ${l}`.trimEnd(), colour, style))];
}

/** The whole diff as text lines (no trailing newline). */
export function diffText(namespace: string, diff: DiffView, style: DiffStyle = { color: false }): string {
  const header = [`--- ${namespace} ${sideName(diff.from)}`, `+++ ${namespace} ${sideName(diff.to)}`];
  if (diff.changes.length === 0) return [...header, '(no changes)'].join('\n');
  return [...header, ...diff.changes.flatMap((c) => changeLines(c, style))].join('\n');
}
