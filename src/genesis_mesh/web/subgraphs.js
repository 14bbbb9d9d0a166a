// Subgraphs of a drawn graph, opened or closed. The graph's detail (GET /api/v1/graphs/{name})
// has its top level (`nodes`, `edges`) and the same graph with every subgraph opened
// (`xray`), where an inner node's id is its path: `review:draft`, `a:b:c` two levels down.
// A closed subgraph is one node named by its path; an open one shows its inner nodes.

const SEP = ":";

/** The path of an event's node: its name under the subgraphs its namespace names
 * (`["review:<task id>"]` + `draft` → `review:draft`); the name alone at the top level. */
export function pathOf(node, namespace) {
  if (!node || !Array.isArray(namespace) || namespace.length === 0) return node;
  return [...namespace.map((part) => String(part).split(SEP)[0]), node].join(SEP);
}

/** The top-level node a path runs inside (itself at the top level). */
export function ownerOf(path) {
  return String(path).split(SEP)[0];
}

/** The last part of a path: the name the node has in its own graph. */
export function nameOf(path) {
  return String(path).split(SEP).pop();
}

/** The node that stands for `path` when only the subgraphs in `open` are opened: the
 * outermost closed subgraph on its way, else the path itself. */
export function shownAs(path, open) {
  const parts = String(path).split(SEP);
  for (let depth = 1; depth < parts.length; depth += 1) {
    const group = parts.slice(0, depth).join(SEP);
    if (!open.has(group)) return group;
  }
  return path;
}

/** The nodes, edges and open subgraph boxes to draw with the subgraphs in `open` opened.
 * Nodes: `{id, name, subgraph: bool}`; boxes: `{id, name, depth, members}` outermost first. */
export function visibleGraph(info, open) {
  const groups = (info && info.subgraphs) || [];
  const known = new Set(groups.map((g) => g.id));
  const opened = new Set([...open].filter((id) => known.has(id) && shownAs(`${id}${SEP}x`, open) === `${id}${SEP}x`));
  const flat = !opened.size || !info.xray || !info.xray.nodes.length;
  const source = flat ? { nodes: (info && info.nodes) || [], edges: (info && info.edges) || [] } : info.xray;
  const nodes = [];
  const seen = new Set();
  for (const node of source.nodes) {
    const id = flat ? node.id : shownAs(node.id, opened);
    if (seen.has(id)) continue;
    seen.add(id);
    nodes.push({ id, name: nameOf(id === node.id ? node.name || id : id), subgraph: known.has(id) });
  }
  const edges = new Map();
  for (const edge of source.edges) {
    const a = flat ? edge.source : shownAs(edge.source, opened);
    const b = flat ? edge.target : shownAs(edge.target, opened);
    if (a === b && (a !== edge.source || b !== edge.target)) continue; // inside a closed subgraph
    const key = `${a}->${b}`;
    const had = edges.get(key);
    edges.set(key, { source: a, target: b, conditional: Boolean(edge.conditional || (had && had.conditional)) });
  }
  const boxes = groups
    .filter((g) => opened.has(g.id))
    .map((g) => ({
      id: g.id,
      name: g.name,
      depth: g.id.split(SEP).length - 1,
      members: nodes.filter((n) => n.id.startsWith(`${g.id}${SEP}`)).map((n) => n.id),
    }))
    .filter((box) => box.members.length);
  return { nodes, edges: [...edges.values()], boxes, subgraphs: groups.length };
}

/** How many open levels sit inside `box` (0 when none: it holds only nodes). */
export function levelsBelow(box, boxes) {
  const inner = boxes.filter((b) => b.id.startsWith(`${box.id}${SEP}`));
  return inner.length ? Math.max(...inner.map((b) => b.depth)) - box.depth : 0;
}
