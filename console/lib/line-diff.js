// A line diff from the longest common subsequence of two texts' lines, and the same laid out side by
// side (a removed line beside the added line that replaced it). The common head and tail are cut off
// first, so a small edit to a big value costs little; past MAX_CELLS the middle is shown as all
// removed then all added rather than spending seconds on a table.

const MAX_CELLS = 4_000_000;

/**
 * The lines of `before` and `after` as [{ op: 'same' | 'del' | 'add', text, left?, right? }] in
 * reading order (a removed line comes before the line added in its place); left / right are the
 * 1-based line numbers in before / after.
 */
export function lineDiff(before, after) {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const same = (i, j) => ({ op: 'same', text: a[i], left: i + 1, right: j + 1 });
  const out = a.slice(0, head).map((_, i) => same(i, i));
  out.push(...middle(a, b, head, a.length - tail, head, b.length - tail));
  for (let k = tail; k > 0; k--) out.push(same(a.length - k, b.length - k));
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

/**
 * The edit as rows of { left, right }, each side { n, text, type } or null: unchanged lines on both
 * sides, and each run of removed lines paired with the run of added lines that follows it.
 */
export function sideBySide(before, after) {
  const rows = [];
  let dels = [];
  let adds = [];
  const flush = () => {
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
      const d = dels[k];
      const add = adds[k];
      rows.push({ left: d ? { n: d.left, text: d.text, type: 'del' } : null, right: add ? { n: add.right, text: add.text, type: 'add' } : null });
    }
    dels = [];
    adds = [];
  };
  for (const line of lineDiff(before, after)) {
    if (line.op === 'del') dels.push(line);
    else if (line.op === 'add') adds.push(line);
    else {
      flush();
      rows.push({ left: { n: line.left, text: line.text, type: 'same' }, right: { n: line.right, text: line.text, type: 'same' } });
    }
  }
  flush();
  return rows;
}

function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  // A final newline ends the last line rather than starting an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The diff of a[a0..a1) against b[b0..b1). */
function middle(a, b, a0, a1, b0, b1) {
  const n = a1 - a0;
  const m = b1 - b0;
  const del = (i) => ({ op: 'del', text: a[i], left: i + 1 });
  const add = (j) => ({ op: 'add', text: b[j], right: j + 1 });
  const out = [];
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    for (let i = a0; i < a1; i++) out.push(del(i));
    for (let j = b0; j < b1; j++) out.push(add(j));
    return out;
  }
  // lcs[i][j] = length of the LCS of the slices from i and j on, in one flat table.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[a0 + i] === b[b0 + j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[a0 + i] === b[b0 + j]) {
      out.push({ op: 'same', text: a[a0 + i], left: a0 + i + 1, right: b0 + j + 1 });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
      out.push(del(a0 + i++));
    } else {
      out.push(add(b0 + j++));
    }
  }
  while (i < n) out.push(del(a0 + i++));
  while (j < m) out.push(add(b0 + j++));
  return out;
}
