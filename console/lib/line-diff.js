// Line-by-line differences between two texts by the longest common subsequence of their lines, and
// the same laid out side by side (a removed line beside the added line that replaced it).

/** Past this many cells the LCS table costs too much; the texts are then shown as all removed / all added. */
const MAX_CELLS = 4_000_000;

/**
 * The edit from `before` to `after` as a list of { type: 'same' | 'del' | 'add', text, left?, right? }
 * (left / right: 1-based line numbers in before / after).
 */
export function diffLines(before, after) {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length * b.length > MAX_CELLS) {
    return [...a.map((text, i) => ({ type: 'del', text, left: i + 1 })), ...b.map((text, j) => ({ type: 'add', text, right: j + 1 }))];
  }
  // lcs[i][j]: the length of the LCS of a[i..] and b[j..], one row per line of a.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ type: 'same', text: a[i], left: i + 1, right: j + 1 });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
      ops.push({ type: 'del', text: a[i], left: i + 1 });
      i++;
    } else {
      ops.push({ type: 'add', text: b[j], right: j + 1 });
      j++;
    }
  }
  for (; i < a.length; i++) ops.push({ type: 'del', text: a[i], left: i + 1 });
  for (; j < b.length; j++) ops.push({ type: 'add', text: b[j], right: j + 1 });
  return ops;
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
  for (const op of diffLines(before, after)) {
    if (op.type === 'del') dels.push(op);
    else if (op.type === 'add') adds.push(op);
    else {
      flush();
      rows.push({ left: { n: op.left, text: op.text, type: 'same' }, right: { n: op.right, text: op.text, type: 'same' } });
    }
  }
  flush();
  return rows;
}
