// Where the dependency graph's nodes and arrows go: a layered drawing, consumers to the left of
// what they discover. Cycles (a → b → a) are broken where a depth-first walk meets a node already
// on its path; those edges are drawn as arcs below the nodes. A node's column is its longest path
// from a node nothing depends on; within a column, nodes sit near the average row of what points
// at them, which keeps arrows short and crossings few.

export const NODE = { width: 150, height: 34 };
const COLUMN_GAP = 210;
const ROW_GAP = 56;
const MARGIN = 20;

/** `edges`: [{ consumer, service, … }] → { nodes, edges (each with `path` and `back`), width, height }. */
export function layoutGraph(edges) {
  const names = [...new Set(edges.flatMap((e) => [e.consumer, e.service]))].sort();
  const out = new Map(names.map((n) => [n, []]));
  for (const e of edges) if (e.consumer !== e.service) out.get(e.consumer).push(e.service);
  for (const list of out.values()) list.sort();

  // Back edges: those that close a cycle on the walk's path.
  const back = new Set();
  const state = new Map(); // name → 'open' | 'done'
  const walk = (name) => {
    state.set(name, 'open');
    for (const next of out.get(name)) {
      if (state.get(next) === 'open') back.add(`${name}\u0000${next}`);
      else if (!state.has(next)) walk(next);
    }
    state.set(name, 'done');
  };
  for (const name of names) if (!state.has(name)) walk(name);
  const forward = (from, to) => from !== to && !back.has(`${from}\u0000${to}`);

  // Columns: the longest path over forward edges, in topological order.
  const incoming = new Map(names.map((n) => [n, 0]));
  for (const [from, tos] of out) for (const to of tos) if (forward(from, to)) incoming.set(to, incoming.get(to) + 1);
  const layer = new Map(names.map((n) => [n, 0]));
  const ready = names.filter((n) => incoming.get(n) === 0);
  while (ready.length > 0) {
    const name = ready.shift();
    for (const to of out.get(name)) {
      if (!forward(name, to)) continue;
      layer.set(to, Math.max(layer.get(to), layer.get(name) + 1));
      incoming.set(to, incoming.get(to) - 1);
      if (incoming.get(to) === 0) ready.push(to);
    }
  }

  // Rows: column by column, by the average row of the nodes pointing in from earlier columns.
  const columns = [];
  for (const name of names) (columns[layer.get(name)] ??= []).push(name);
  const row = new Map();
  columns.forEach((column, c) => {
    const weight = (name) => {
      const from = edges.filter((e) => e.service === name && row.has(e.consumer) && layer.get(e.consumer) < c).map((e) => row.get(e.consumer));
      return from.length ? from.reduce((a, b) => a + b, 0) / from.length : Number.POSITIVE_INFINITY;
    };
    const weights = new Map(column.map((n) => [n, weight(n)]));
    column.sort((a, b) => weights.get(a) - weights.get(b) || a.localeCompare(b));
    column.forEach((name, i) => row.set(name, i));
  });

  const rows = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const nodes = names.map((name) => ({ name, layer: layer.get(name), row: row.get(name), x: MARGIN + layer.get(name) * COLUMN_GAP, y: MARGIN + row.get(name) * ROW_GAP }));
  const at = new Map(nodes.map((n) => [n.name, n]));
  const drawn = edges.map((e) => {
    const a = at.get(e.consumer);
    const b = at.get(e.service);
    const isBack = !forward(e.consumer, e.service);
    return { ...e, back: isBack, ...(isBack ? arc(a, b, lowestBetween(nodes, a.layer, b.layer)) : curve(a, b)) };
  });
  const hasArcs = drawn.some((e) => e.back);
  // Tall enough for the lowest node and the lowest arc.
  const bottom = Math.max(MARGIN + (rows - 1) * ROW_GAP + NODE.height, ...drawn.map((e) => e.bottom ?? 0));
  return {
    nodes,
    edges: drawn,
    width: MARGIN * 2 + (columns.length - 1) * COLUMN_GAP + NODE.width + (hasArcs ? 40 : 0),
    height: bottom + MARGIN,
  };
}

/** A forward edge: from the right side of `a` to the left side of `b`. */
function curve(a, b) {
  const x1 = a.x + NODE.width;
  const y1 = a.y + NODE.height / 2;
  const x2 = b.x - 4;
  const y2 = b.y + NODE.height / 2;
  const mid = (x1 + x2) / 2;
  return { path: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, labelX: mid, labelY: (y1 + y2) / 2 - 6 };
}

/** The bottom of the lowest node in the columns from `from` to `to`: an arc there passes under them all. */
function lowestBetween(nodes, from, to) {
  const [lo, hi] = from < to ? [from, to] : [to, from];
  return Math.max(...nodes.filter((n) => n.layer >= lo && n.layer <= hi).map((n) => n.y + NODE.height));
}

/** A back edge (or a node discovering itself): an arc under the nodes it spans, into the bottom of `b`. */
function arc(a, b, floor) {
  if (a === b) {
    const x = a.x + NODE.width;
    const y = a.y + NODE.height / 2;
    return { path: `M${x},${y - 8} C${x + 40},${y - 30} ${x + 40},${y + 30} ${x + 2},${y + 10}`, labelX: x + 34, labelY: y, bottom: y + 30 };
  }
  const x1 = a.x + NODE.width / 2;
  const y1 = a.y + NODE.height;
  const x2 = b.x + NODE.width / 2;
  const y2 = b.y + NODE.height + 4;
  // The curve's lowest point is three quarters of the way down to its control points.
  const low = floor + 36;
  return { path: `M${x1},${y1} C${x1},${low} ${x2},${low} ${x2},${y2}`, labelX: (x1 + x2) / 2, labelY: low - 4, bottom: low };
}
