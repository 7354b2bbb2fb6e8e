// A line diff from the longest common subsequence of two texts' lines: what a reader needs to see
// which lines a change removed and added. The common head and tail are cut off first, so a small
// edit to a big value costs little; past MAX_CELLS the middle is shown as all removed then all added
// rather than spending seconds on a table.

const MAX_CELLS = 4_000_000;

/**
 * The lines of `before` and `after` as [{ op: 'same' | 'del' | 'add', text }], in reading order
 * (a removed line comes before the line added in its place).
 */
export function lineDiff(before, after) {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out = a.slice(0, head).map((text) => ({ op: 'same', text }));
  out.push(...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)));
  out.push(...a.slice(a.length - tail).map((text) => ({ op: 'same', text })));
  return out;
}

/** How many lines a diff removes and adds. */
export function diffStats(diff) {
  let added = 0;
  let removed = 0;
  for (const line of diff) {
    if (line.op === 'add') added++;
    else if (line.op === 'del') removed++;
  }
  return { added, removed };
}

function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  // A final newline ends the last line rather than starting an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function middle(a, b) {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    return [...a.map((text) => ({ op: 'del', text })), ...b.map((text) => ({ op: 'add', text }))];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], in one flat table.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: 'same', text: a[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
      out.push({ op: 'del', text: a[i++] });
    } else {
      out.push({ op: 'add', text: b[j++] });
    }
  }
  while (i < n) out.push({ op: 'del', text: a[i++] });
  while (j < m) out.push({ op: 'add', text: b[j++] });
  return out;
}
