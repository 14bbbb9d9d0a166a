// The graph drawn live as our own SVG, from its nodes and edges (GET /api/v1/graphs/{name}):
// layers top to bottom, conditional edges dashed, loops drawn back up the right side with
// how often they turned, the running node lit, the edges taken marked with their count.
// A node run several times in one superstep (LangGraph `Send`) shows its parallel branch
// count ("×3" above it); its visits count supersteps, so a fan-out is not read as a loop.
// Nodes are focusable buttons with a text alternative; Enter or a click selects one.

import { svg } from "./dom.js";
import { layers } from "./graphview.js";

const START = "__start__";
const END = "__end__";
const W = 150;
const H = 40;
const GAP_X = 28;
const GAP_Y = 64;
const PAD = 24;
const LOOP_ROOM = 60;

function label(id) {
  return id === START ? "start" : id === END ? "end" : id;
}

function top(namespace) {
  return !Array.isArray(namespace) || namespace.length === 0;
}

export class GraphDrawing {
  /** `onSelect(nodeId)`: a node was chosen (click, Enter or Space). */
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.setGraph(null);
  }

  setGraph(info) {
    this.container.replaceChildren();
    this.nodes = new Map(); // id -> {g, visits, state, count, badge, step, tasks, running}
    this.edges = new Map(); // "a->b" -> {path, text, taken}
    this.last = null;
    const nodes = (info && info.nodes) || [];
    const edges = (info && info.edges) || [];
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
    const name = info.name || "graph";
    const root = svg("svg", {
      viewBox: `0 0 ${width} ${height}`,
      class: "graph-svg",
      role: "group",
      "aria-label": `Graph ${name}: ${nodes.length} nodes, ${edges.length} edges`,
    });
    root.append(svg("defs", {},
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }))));
    const edgeLayer = svg("g", { class: "edges", "aria-hidden": "true" });
    const nodeLayer = svg("g", { class: "nodes" });
    root.append(edgeLayer, nodeLayer);
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
      const title = svg("title", {}, label(node.id));
      const count = svg("text", { x: String(p.x + W - 8), y: String(p.y + H / 2 + 5), class: "node-visits", "text-anchor": "end" });
      const badge = svg("text", { x: String(p.x + W - 4), y: String(p.y - 5), class: "node-branches", "text-anchor": "end" });
      const g = svg("g", {
        class: `graph-node${terminal ? " graph-terminal" : ""}`,
        tabindex: "0",
        role: "button",
        dataset: { graphNode: node.id, status: "pending", visits: "0" },
        "aria-label": `${label(node.id)}: pending`,
        onclick: () => this.onSelect(node.id),
        onkeydown: (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            this.onSelect(node.id);
          }
        },
      },
      title,
      svg("rect", { x: String(p.x), y: String(p.y), width: String(W), height: String(H), rx: terminal ? "20" : "8" }),
      svg("text", { x: String(p.x + 12), y: String(p.y + H / 2 + 5), class: "node-label" }, truncate(label(node.id))),
      count,
      badge);
      nodeLayer.append(g);
      this.nodes.set(node.id, { g, title, count, badge, visits: 0, state: "pending", step: null, tasks: new Set(), running: new Set() });
    }
    this.container.append(root);
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
    const text = `${label(id)}: ${node.state}${times}${branches}`;
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
    const data = event.data || {};
    if (!top(data.namespace)) return; // a subgraph's own node: its parent stays lit
    switch (event.type) {
      case "run.started":
        if (this.nodes.has(START)) this.nodes.get(START).visits = 1;
        this.mark(START, "done");
        this.last = START;
        break;
      case "node.started": {
        const node = this.nodes.get(event.node);
        if (!node) break;
        if (this.started(node, data)) {
          this.arrive(event.node);
          node.visits += 1;
          node.g.dataset.visits = String(node.visits);
        }
        this.mark(event.node, "running");
        break;
      }
      case "node.completed": {
        const node = this.nodes.get(event.node);
        if (node && data.task_id) node.running.delete(data.task_id);
        if (node && node.running.size) break; // sibling branches still running
        this.mark(event.node, "done");
        this.last = event.node;
        break;
      }
      case "node.failed":
        this.mark(event.node, "failed");
        break;
      case "run.interrupted":
        for (const [id, node] of this.nodes) if (node.state === "running") this.mark(id, "interrupted");
        if (event.node && this.nodes.has(event.node)) this.mark(event.node, "interrupted");
        for (const item of data.interrupts || []) if (top(item.namespace) && this.nodes.has(item.node)) this.mark(item.node, "interrupted");
        break;
      case "run.completed":
        if (this.last) this.take(this.last, END);
        this.mark(END, "done");
        break;
      case "run.failed":
      case "run.cancelled":
        for (const [id, node] of this.nodes) if (node.state === "running") this.mark(id, event.type === "run.failed" ? "failed" : "cancelled");
        break;
      default:
        break;
    }
  }
}

function truncate(text) {
  return text.length > 16 ? `${text.slice(0, 15)}…` : text;
}
