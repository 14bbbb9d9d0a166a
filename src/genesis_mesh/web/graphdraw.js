// The graph drawn live as our own SVG, from its nodes and edges (GET /api/v1/graphs/{name}):
// layers top to bottom, conditional edges dashed, loops drawn back up the right side with
// how often they turned, the running node lit, the edges taken marked with their count.
// A node run several times in one superstep (LangGraph `Send`) shows its parallel branch
// count ("×3" above it); its visits count supersteps, so a fan-out is not read as a loop.
// Nodes are focusable buttons with a text alternative; Enter or a click selects one.
// A subgraph is drawn closed, as one node with a +/− toggle (a button with aria-expanded)
// that opens it into its inner nodes inside a labelled box (subgraphs.js). Events of an
// inner node (their `namespace` names the subgraph) light it when its subgraph is open,
// else the subgraph's node. Opening or closing redraws and replays the run's events.

import { svg } from "./dom.js";
import { layers } from "./graphview.js";
import { levelsBelow, nameOf, ownerOf, pathOf, shownAs, visibleGraph } from "./subgraphs.js";

const START = "__start__";
const END = "__end__";
const W = 150;
const H = 40;
const GAP_X = 28;
const GAP_Y = 64;
const PAD = 24;
const LOOP_ROOM = 60;
const TOGGLE = 22;
const SCALE = 1.25;
const BOX_PAD = 10;
const BOX_HEAD = 28;
const REPLAYED = new Set(["run.started", "node.started", "node.completed", "node.failed", "run.interrupted", "run.completed", "run.failed", "run.cancelled"]);

function label(id) {
  return id === START ? "start" : id === END ? "end" : nameOf(id);
}

/** What a screen reader hears first: the name, and the subgraph an inner node is in. */
function spoken(id) {
  const inside = id.includes(":") ? ` (in ${id.slice(0, id.lastIndexOf(":"))})` : "";
  return `${label(id)}${inside}`;
}

export class GraphDrawing {
  /** `onSelect(nodeId)`: a node was chosen (click, Enter or Space). */
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.openBy = new Map(); // graph name -> ids of its subgraphs shown opened (kept across runs)
    this.setGraph(null);
  }

  setGraph(info) {
    this.info = info;
    const name = info && info.name;
    if (name && !this.openBy.has(name)) this.openBy.set(name, new Set());
    this.open = name ? this.openBy.get(name) : new Set();
    this.log = []; // the run's events that change the drawing, replayed on a redraw
    this.render();
  }

  /** Open or close subgraph `id`; the drawing keeps what the run showed so far. */
  toggle(id) {
    if (this.open.has(id)) this.open.delete(id);
    else this.open.add(id);
    this.render();
    for (const event of this.log) this.handle(event);
    const toggle = this.container.querySelector(`.subgraph-toggle[data-toggle="${CSS.escape(id)}"]`);
    if (toggle) toggle.focus();
  }

  render() {
    const info = this.info;
    this.container.replaceChildren();
    this.nodes = new Map(); // id -> {g, visits, state, count, badge, step, tasks, running}
    this.edges = new Map(); // "a->b" -> {path, text, taken}
    this.boxes = new Map(); // open subgraph id -> {g}
    this.last = null;
    const { nodes, edges, boxes, subgraphs } = visibleGraph(info, this.open);
    if (!nodes.length) return;
    const { order } = layers(nodes, edges);
    const place = new Map();
    const widest = Math.max(...order.map((l) => l.length));
    const width = PAD * 2 + widest * W + (widest - 1) * GAP_X + LOOP_ROOM;
    const height = PAD * 2 + order.length * H + (order.length - 1) * GAP_Y;
    order.forEach((layer, row) => {
      const span = layer.length * W + (layer.length - 1) * GAP_X;
      const x0 = (width - LOOP_ROOM - span) / 2;
      layer.forEach((id, i) => place.set(id, { x: x0 + i * (W + GAP_X), y: PAD + row * (H + GAP_Y), row }));
    });
    const frames = boxes.map((box) => frame(box, boxes, place));
    const left = Math.min(0, ...frames.map((f) => f.x - 4));
    const up = Math.min(0, ...frames.map((f) => f.y - 4));
    const right = Math.max(width, ...frames.map((f) => f.x + f.width + 4));
    const name = info.name || "graph";
    const groups = subgraphs ? `, ${subgraphs} subgraph${subgraphs > 1 ? "s" : ""}` : "";
    const root = svg("svg", {
      viewBox: `${left} ${up} ${right - left} ${height - up}`,
      // its own size, not the column's: a wide screen does not blow a short line up
      // to giant boxes; a narrow one still shrinks it (max-width in styles.css)
      width: String(Math.round((right - left) * SCALE)),
      class: "graph-svg",
      role: "group",
      "aria-label": `Graph ${name}: ${nodes.length} nodes, ${edges.length} edges${groups}`,
    });
    root.append(svg("defs", {},
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }))));
    const boxLayer = svg("g", { class: "subgraph-boxes" });
    const edgeLayer = svg("g", { class: "edges", "aria-hidden": "true" });
    const nodeLayer = svg("g", { class: "nodes" });
    root.append(boxLayer, edgeLayer, nodeLayer);
    boxes.forEach((box, i) => this.drawBox(boxLayer, box, frames[i]));
    let loops = 0;
    for (const edge of edges) {
      const a = place.get(edge.source);
      const b = place.get(edge.target);
      if (!a || !b || edge.source === edge.target) continue;
      const back = b.row <= a.row;
      let d;
      let lx;
      let ly;
      if (back) {
        loops += 1;
        const out = width - LOOP_ROOM + 12 + loops * 10;
        const y1 = a.y + H / 2;
        const y2 = b.y + H / 2;
        d = `M${a.x + W},${y1} C${out},${y1} ${out},${y2} ${b.x + W},${y2}`;
        lx = out - 8;
        ly = (y1 + y2) / 2;
      } else {
        const x1 = a.x + W / 2;
        const y1 = a.y + H;
        const x2 = b.x + W / 2;
        const y2 = b.y;
        const bend = Math.max(20, (y2 - y1) / 2);
        d = `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`;
        lx = (x1 + x2) / 2 + 6;
        ly = (y1 + y2) / 2;
      }
      const key = `${edge.source}->${edge.target}`;
      const path = svg("path", { d, class: `edge${edge.conditional ? " edge-conditional" : ""}${back ? " edge-loop" : ""}`, "marker-end": "url(#arrow)" });
      const text = svg("text", { x: String(lx), y: String(ly), class: "edge-count" });
      const g = svg("g", { class: "edge-group", dataset: { edge: key, taken: "0", loop: String(back) } }, path, text);
      edgeLayer.append(g);
      this.edges.set(key, { g, text, taken: 0, back });
    }
    for (const node of nodes) {
      const p = place.get(node.id);
      if (!p) continue;
      const terminal = node.id === START || node.id === END;
      const title = svg("title", {}, spoken(node.id));
      const textX = p.x + (node.subgraph ? TOGGLE + 12 : 12);
      const count = svg("text", { x: String(p.x + W - 8), y: String(p.y + H / 2 + 5), class: "node-visits", "text-anchor": "end" });
      const badge = svg("text", { x: String(p.x + W - 4), y: String(p.y - 5), class: "node-branches", "text-anchor": "end" });
      const g = svg("g", {
        class: `graph-node${terminal ? " graph-terminal" : ""}${node.subgraph ? " graph-subgraph" : ""}`,
        tabindex: "0",
        role: "button",
        dataset: { graphNode: node.id, status: "pending", visits: "0" },
        "aria-label": `${spoken(node.id)}: pending`,
        ...pressed(() => this.onSelect(ownerOf(node.id))),
      },
      title,
      svg("rect", { x: String(p.x), y: String(p.y), width: String(W), height: String(H), rx: terminal ? "20" : "8" }),
      svg("text", { x: String(textX), y: String(p.y + H / 2 + 5), class: "node-label" }, truncate(label(node.id), node.subgraph ? 13 : 16)),
      count,
      badge);
      nodeLayer.append(g);
      if (node.subgraph) nodeLayer.append(this.toggleButton(node.id, false, p.x + 8, p.y + (H - TOGGLE) / 2));
      this.nodes.set(node.id, { g, title, count, badge, visits: 0, state: "pending", step: null, tasks: new Set(), running: new Set(), subgraph: node.subgraph });
    }
    this.container.append(root);
  }

  /** The +/− button that opens (or closes) subgraph `id`: a sibling of the node it sits
   * on, never inside it, so each is one control. */
  toggleButton(id, expanded, x, y) {
    const what = `${expanded ? "Close" : "Open"} subgraph ${id}`;
    return svg("g", {
      class: "subgraph-toggle",
      tabindex: "0",
      role: "button",
      "aria-expanded": String(expanded),
      "aria-label": what,
      dataset: { toggle: id },
      ...pressed(() => this.toggle(id)),
    },
    svg("title", {}, what),
    svg("rect", { x: String(x), y: String(y), width: String(TOGGLE), height: String(TOGGLE), rx: "4" }),
    svg("text", { x: String(x + TOGGLE / 2), y: String(y + TOGGLE / 2 + 5), "text-anchor": "middle", "aria-hidden": "true" }, expanded ? "−" : "+"));
  }

  /** An open subgraph: a box around its inner nodes, its toggle top left and its name top
   * right (the edges into it enter at the top middle). */
  drawBox(layer, box, f) {
    const g = svg("g", { class: "subgraph-box", role: "group", "aria-label": `Subgraph ${box.id}: pending`, dataset: { subgraph: box.id, status: "pending" } },
      svg("rect", { x: String(f.x), y: String(f.y), width: String(f.width), height: String(f.height), rx: "10" }),
      svg("title", {}, `Subgraph ${box.id}`),
      svg("text", { x: String(f.x + f.width - 10), y: String(f.y + 19), class: "subgraph-label", "text-anchor": "end" }, truncate(box.name, labelRoom(f.width))));
    layer.append(g, this.toggleButton(box.id, true, f.x + 6, f.y + 3));
    this.boxes.set(box.id, { g });
  }

  markBox(id, state) {
    const box = this.boxes.get(id);
    if (!box) return;
    box.g.dataset.status = state;
    box.g.setAttribute("aria-label", `Subgraph ${id}: ${state}`);
  }

  mark(id, state) {
    const node = this.nodes.get(id);
    if (!node) return;
    if (state === "running") for (const other of this.nodes.values()) other.g.classList.remove("current");
    node.g.classList.toggle("current", state === "running");
    node.state = state;
    node.g.dataset.status = state;
    this.describe(id);
  }

  describe(id) {
    const node = this.nodes.get(id);
    const times = node.visits > 1 ? `, visited ${node.visits} times` : node.visits === 1 ? ", visited once" : "";
    const branches = node.tasks.size > 1 ? `, ${node.tasks.size} parallel branches` : "";
    const inner = node.subgraph ? ", subgraph (closed)" : "";
    const text = `${spoken(id)}: ${node.state}${times}${branches}${inner}`;
    node.g.setAttribute("aria-label", text);
    node.title.textContent = text;
    node.count.textContent = node.visits > 1 ? `×${node.visits}` : "";
    node.badge.textContent = node.tasks.size > 1 ? `×${node.tasks.size}` : "";
    node.g.dataset.branches = String(node.tasks.size);
  }

  /** A task of `node` started: true when it opens a new superstep for it (not a sibling
   * branch of a `Send` fan-out already counted in this step). */
  started(node, data) {
    const step = data.step ?? null;
    const task = data.task_id ?? `#${node.tasks.size}`;
    if (step !== null && step === node.step) {
      node.tasks.add(task);
      if (data.task_id) node.running.add(task);
      return false;
    }
    node.step = step;
    node.tasks = new Set([task]);
    node.running = new Set(data.task_id ? [task] : []);
    return true;
  }

  take(source, target) {
    const edge = this.edges.get(`${source}->${target}`);
    if (!edge) return;
    edge.taken += 1;
    edge.g.dataset.taken = String(edge.taken);
    edge.g.classList.add("taken");
    edge.text.textContent = edge.back || edge.taken > 1 ? `×${edge.taken}` : "";
  }

  /** The edge into `target` from the node that finished last, else from any finished one. */
  arrive(target) {
    const from = this.last && this.edges.has(`${this.last}->${target}`)
      ? this.last
      : [...this.nodes.keys()].find((id) => this.edges.has(`${id}->${target}`) && this.nodes.get(id).visits > 0 && id !== target);
    if (from) this.take(from, target);
  }

  apply(event) {
    if (!REPLAYED.has(event.type)) return;
    this.log.push(event);
    this.handle(event);
  }

  handle(event) {
    const data = event.data || {};
    const path = pathOf(event.node, data.namespace);
    const shown = path && shownAs(path, this.open);
    switch (event.type) {
      case "run.started":
        if (this.nodes.has(START)) this.nodes.get(START).visits = 1;
        this.mark(START, "done");
        this.last = START;
        break;
      case "node.started": {
        if (this.boxes.has(path)) {
          this.markBox(path, "running"); // an open subgraph's own task: its nodes say more
          break;
        }
        const node = this.nodes.get(shown);
        if (!node) break;
        if (shown !== path) {
          this.mark(shown, "running"); // an inner node of a closed subgraph lights it
          break;
        }
        if (this.started(node, data)) {
          this.arrive(path);
          node.visits += 1;
          node.g.dataset.visits = String(node.visits);
        }
        this.mark(path, "running");
        break;
      }
      case "node.completed": {
        if (this.boxes.has(path)) {
          this.markBox(path, "done");
          break;
        }
        if (shown !== path) break; // the closed subgraph's own completion says when it is done
        const node = this.nodes.get(path);
        if (node && data.task_id) node.running.delete(data.task_id);
        if (node && node.running.size) break; // sibling branches still running
        this.mark(path, "done");
        if (node) this.last = path;
        break;
      }
      case "node.failed":
        if (this.boxes.has(path)) this.markBox(path, "failed");
        else this.mark(shown, "failed");
        break;
      case "run.interrupted":
        for (const [id, node] of this.nodes) if (node.state === "running") this.mark(id, "interrupted");
        for (const [id, box] of this.boxes) if (box.g.dataset.status === "running") this.markBox(id, "interrupted");
        if (shown && this.nodes.has(shown)) this.mark(shown, "interrupted");
        for (const item of data.interrupts || []) {
          const asker = item.node && shownAs(pathOf(item.node, item.namespace), this.open);
          if (asker && this.nodes.has(asker)) this.mark(asker, "interrupted");
        }
        break;
      case "run.completed":
        if (this.last) this.take(this.last, END);
        this.mark(END, "done");
        break;
      case "run.failed":
      case "run.cancelled": {
        const end = event.type === "run.failed" ? "failed" : "cancelled";
        for (const [id, node] of this.nodes) if (node.state === "running") this.mark(id, end);
        for (const [id, box] of this.boxes) if (box.g.dataset.status === "running") this.markBox(id, end);
        break;
      }
      default:
        break;
    }
  }
}

/** How many letters of a box's label fit right of the edges entering its top middle. */
function labelRoom(width) {
  return Math.max(4, Math.floor((width / 2 - 24) / 8.5));
}

/** Click, Enter or Space on a focusable SVG button. */
function pressed(act) {
  return {
    onclick: act,
    onkeydown: (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        act();
      }
    },
  };
}

/** The box of an open subgraph around its members' places, with room for its label and
 * for the boxes of the subgraphs open inside it. */
function frame(box, boxes, place) {
  const spots = box.members.map((id) => place.get(id)).filter(Boolean);
  const levels = 1 + levelsBelow(box, boxes);
  const side = BOX_PAD * levels;
  const x = Math.min(...spots.map((p) => p.x)) - side;
  const y = Math.min(...spots.map((p) => p.y)) - (BOX_PAD + BOX_HEAD) * levels + BOX_PAD;
  const right = Math.max(...spots.map((p) => p.x + W)) + side;
  const bottom = Math.max(...spots.map((p) => p.y + H)) + side;
  return { x, y, width: right - x, height: bottom - y };
}

function truncate(text, room = 16) {
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}
