// The live flow of a graph's nodes: pending / running / done / failed / interrupted.

import { formatDuration, h } from "./dom.js";

const START = "__start__";
const END = "__end__";
const LABELS = {
  pending: "pending",
  running: "running",
  done: "done",
  failed: "failed",
  interrupted: "interrupted",
  cancelled: "cancelled",
};

/** Layers by longest path from the sources (cycles fall back to list order). */
export function layers(nodes, edges) {
  const ids = nodes.map((n) => n.id);
  const incoming = new Map(ids.map((id) => [id, 0]));
  const out = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!out.has(e.source) || !incoming.has(e.target) || e.source === e.target) continue;
    out.get(e.source).push(e.target);
    incoming.set(e.target, incoming.get(e.target) + 1);
  }
  const depth = new Map();
  const queue = ids.filter((id) => incoming.get(id) === 0);
  queue.forEach((id) => depth.set(id, 0));
  const remaining = new Map(incoming);
  while (queue.length) {
    const id = queue.shift();
    for (const next of out.get(id)) {
      depth.set(next, Math.max(depth.get(next) || 0, depth.get(id) + 1));
      remaining.set(next, remaining.get(next) - 1);
      if (remaining.get(next) === 0) queue.push(next);
    }
  }
  let fallback = Math.max(0, ...depth.values()) + 1;
  for (const id of ids) if (!depth.has(id)) depth.set(id, id === END ? 1e9 : fallback++);
  const sorted = [...new Set([...depth.values()])].sort((a, b) => a - b);
  return { order: sorted.map((d) => ids.filter((id) => depth.get(id) === d)), out };
}

/** True for events of a subgraph's own nodes (they carry LangGraph's namespace). */
function insideSubgraph(data) {
  return Array.isArray(data.namespace) && data.namespace.length > 0;
}

/** The top-level node a namespace (`["child:<task id>", …]`) runs inside. */
function topNode(namespace) {
  return String(namespace[0]).split(":")[0];
}

/** The top-level nodes that asked the questions of a `run.interrupted`. */
function askers(event) {
  const data = event.data || {};
  const listed = Array.isArray(data.interrupts) && data.interrupts.length
    ? data.interrupts
    : [{ node: event.node, namespace: data.namespace }];
  return listed.map((i) => (insideSubgraph(i) ? topNode(i.namespace) : i.node)).filter(Boolean);
}

export class GraphView {
  constructor(container) {
    this.container = container;
    this.nodes = new Map();
  }

  setGraph(info) {
    this.nodes.clear();
    this.container.replaceChildren();
    const nodes = (info && info.nodes) || [];
    const edges = (info && info.edges) || [];
    const conditional = new Set(edges.filter((e) => e.conditional).map((e) => e.source));
    const { order, out } = layers(nodes, edges);
    const list = h("ol", { class: "flow-layers" });
    for (const layer of order) {
      const row = h("li", { class: "flow-layer" });
      for (const id of layer) {
        const node = nodes.find((n) => n.id === id) || { id, name: id };
        row.append(this.card(node, out.get(id) || [], conditional.has(id)));
      }
      list.append(row);
    }
    this.container.append(list);
  }

  card(node, next, conditional) {
    const terminal = node.id === START || node.id === END;
    const name = terminal ? (node.id === START ? "start" : "end") : node.name || node.id;
    const status = h("span", { class: "node-status" }, LABELS.pending);
    const message = h("p", { class: "node-message" });
    const bar = h("progress", { max: 1, value: 0, hidden: true, "aria-label": `${name} progress` });
    const elapsed = h("span", { class: "node-elapsed" });
    const branches = next.length > 1 || conditional
      ? h("p", { class: "node-next" }, `${conditional ? "may go to" : "then"}: ${next.map((n) => (n === END ? "end" : n)).join(", ")}`)
      : null;
    const el = h(
      "div",
      { class: `node${terminal ? " node-terminal" : ""}`, dataset: { node: node.id, status: "pending" } },
      h("div", { class: "node-head" }, h("span", { class: "node-dot", "aria-hidden": "true" }), h("strong", { class: "node-name" }, name), status),
      terminal ? null : [message, bar, elapsed, branches],
    );
    this.nodes.set(node.id, { el, status, message, bar, elapsed, started: null, ended: null, state: "pending" });
    return el;
  }

  set(id, state) {
    const node = this.nodes.get(id);
    if (!node) return null;
    node.state = state;
    node.el.dataset.status = state;
    node.status.textContent = LABELS[state] || state;
    return node;
  }

  /** Apply one event envelope. */
  apply(event) {
    const data = event.data || {};
    const ts = Date.parse(event.ts);
    if (insideSubgraph(data) && event.type !== "node.progress" && event.type !== "run.interrupted") {
      this.applyInner(event);
      return;
    }
    switch (event.type) {
      case "run.started":
        this.set(START, "done");
        break;
      case "node.started": {
        const node = this.set(event.node, "running");
        if (node) {
          node.started = ts;
          node.ended = null;
          node.message.textContent = "";
          node.bar.hidden = true;
        }
        break;
      }
      case "node.progress": {
        const node = this.nodes.get(event.node);
        if (!node) break;
        if (node.state === "pending") this.set(event.node, "running");
        if (typeof data.message === "string") node.message.textContent = data.message;
        const done = Number(data.done);
        const total = Number(data.total);
        if (Number.isFinite(done) && Number.isFinite(total) && total > 0) {
          node.bar.max = total;
          node.bar.value = Math.min(done, total);
          node.bar.hidden = false;
          node.bar.setAttribute("aria-valuetext", `${done} of ${total}`);
        }
        break;
      }
      case "node.completed": {
        const node = this.set(event.node, "done");
        if (node) node.ended = ts;
        break;
      }
      case "node.failed": {
        const node = this.set(event.node, "failed");
        if (node) {
          node.ended = ts;
          const err = data.error || {};
          node.message.textContent = [err.type, err.message].filter(Boolean).join(": ");
        }
        break;
      }
      case "run.interrupted":
        for (const asker of askers(event)) if (this.nodes.has(asker)) this.set(asker, "interrupted");
        for (const node of this.nodes.values()) {
          if (node.state === "running") {
            node.state = "interrupted";
            node.el.dataset.status = "interrupted";
            node.status.textContent = LABELS.interrupted;
            node.ended = ts;
          }
        }
        break;
      case "run.resumed":
        for (const [id, node] of this.nodes) if (node.state === "interrupted") this.set(id, "pending");
        break;
      case "run.completed":
        this.set(END, "done");
        break;
      case "run.cancelled":
      case "run.failed":
        for (const [id, node] of this.nodes) {
          if (node.state === "running" || node.state === "interrupted") {
            this.set(id, event.type === "run.failed" ? "failed" : "cancelled");
            node.ended = node.ended || ts;
          }
        }
        break;
      default:
        break;
    }
    this.tick();
  }

  /** A subgraph's own node: the top-level node that runs it says which inner node works. */
  applyInner(event) {
    const node = this.nodes.get(topNode(event.data.namespace));
    if (!node) return;
    if (event.type === "node.started") node.message.textContent = `› ${event.node}`;
    else if (event.type === "node.failed") node.message.textContent = `› ${event.node} failed`;
  }

  /** The names of the nodes running now (what a pause waits for). */
  runningNames() {
    return [...this.nodes.entries()].filter(([, n]) => n.state === "running").map(([id]) => id);
  }

  /** Refresh elapsed times (running nodes count up). */
  tick() {
    const now = Date.now();
    for (const node of this.nodes.values()) {
      if (!node.started) continue;
      const end = node.state === "running" ? now : node.ended || node.started;
      node.elapsed.textContent = formatDuration(Math.max(0, end - node.started));
    }
  }
}
