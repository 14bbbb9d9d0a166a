// The step inspector: everything one node did in this run, visit by visit (each LangGraph
// task): its state update, custom events (stream writer), messages and tool calls, its
// error, and when it started and ended. Built from the run's own events; the state each
// visit started from comes from the thread's checkpoints (statediff.js).

import { api } from "./api.js";
import { formatDuration, h } from "./dom.js";
import { inputCheckpoint, renderDiff, renderInput } from "./statediff.js";

function top(data) {
  return !Array.isArray(data.namespace) || data.namespace.length === 0;
}

function time(ts) {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(11, 23);
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

/** A call's arguments (streamed as JSON text), compacted when they parse. */
function pretty(args) {
  try {
    return JSON.stringify(JSON.parse(args));
  } catch {
    return args;
  }
}

function content(value) {
  return typeof value === "string" ? value : json(value);
}

export class Inspector {
  /** `panel`: the section shown while a step is open. */
  constructor(panel) {
    this.panel = panel;
    this.title = panel.querySelector("#inspector-title");
    this.body = panel.querySelector("#inspector-body");
    panel.querySelector("#inspector-close").addEventListener("click", () => this.close());
    this.reset();
  }

  reset() {
    this.visits = new Map(); // node -> [visit]
    this.waiting = new Map(); // tool_call_id -> calls still without a result, oldest first
    this.selected = null;
    this.panel.hidden = true;
    this.runId = null;
    this.threadId = null;
    this.history = null; // the thread's checkpoints, newest first
    this.historyError = null;
    this.loading = false;
  }

  /** The run shown (its thread's checkpoints hold each step's input state). */
  setRun(runId, threadId) {
    Object.assign(this, { runId, threadId, history: null, historyError: null });
  }

  /** Fetch the thread's checkpoints again (a step opened or started: new ones exist). */
  async loadHistory() {
    const threadId = this.threadId;
    if (!threadId || this.loading) return;
    this.loading = true;
    try {
      const history = await api(`/api/v1/threads/${encodeURIComponent(threadId)}/history?limit=200`);
      if (threadId === this.threadId) Object.assign(this, { history, historyError: null });
    } catch (error) {
      if (threadId === this.threadId) this.historyError = error.message;
    } finally {
      this.loading = false;
    }
    if (this.selected && threadId === this.threadId) this.render();
  }

  visit(node, create) {
    const list = this.visits.get(node) || [];
    this.visits.set(node, list);
    if (create || !list.length) list.push({ taskId: null, step: null, started: null, ended: null, update: undefined, custom: [], messages: new Map(), tools: [], error: null, namespace: null });
    return list[list.length - 1];
  }

  /** Record one event of the run. */
  apply(event) {
    const data = event.data || {};
    const node = event.node;
    if (!node) return;
    // A subgraph's inner node is shown under the top-level node that runs it.
    const owner = top(data) ? node : String(data.namespace[0]).split(":")[0];
    const inner = !top(data);
    switch (event.type) {
      case "node.started":
        if (inner) break;
        Object.assign(this.visit(owner, true), { taskId: data.task_id || null, step: data.step ?? null, started: event.ts });
        if (this.selected === owner) this.loadHistory();
        break;
      case "node.completed":
        if (inner) {
          this.visit(owner, false).custom.push({ ts: event.ts, data: { subgraph_node: node, update: data.update } });
          break;
        }
        Object.assign(this.visit(owner, false), { ended: event.ts, update: data.update });
        break;
      case "node.failed": {
        const v = this.visit(owner, false);
        v.error = { ...(data.error || {}), node: inner ? node : undefined };
        if (!inner) v.ended = event.ts;
        break;
      }
      case "node.progress":
        this.visit(owner, false).custom.push({ ts: event.ts, data });
        break;
      case "message.delta": {
        const v = this.visit(owner, false);
        const id = String(data.message_id || "message");
        const m = v.messages.get(id) || { type: data.type || "ai", text: "", calls: new Map() };
        m.text += data.text || "";
        for (const c of data.tool_call_chunks || []) {
          const key = String(c.index ?? 0);
          const call = m.calls.get(key) || { id: null, name: "", args: "", result: null };
          if (c.name) call.name = c.name;
          if (c.id && !call.id) {
            call.id = String(c.id);
            this.waiting.set(call.id, [...(this.waiting.get(call.id) || []), call]);
          }
          call.args += c.args || "";
          m.calls.set(key, call);
        }
        v.messages.set(id, m);
        break;
      }
      case "message.tool": {
        // the result answers the oldest call of that id still waiting (ids may repeat)
        const call = (this.waiting.get(String(data.tool_call_id)) || []).shift() || null;
        if (call) call.result = data;
        this.visit(owner, false).tools.push({ ...data, call });
        break;
      }
      default:
        return;
    }
    // a tool's result also shows on the step that called it
    if (this.selected === owner || (this.selected !== null && event.type === "message.tool")) this.render();
  }

  open(node) {
    this.selected = node;
    this.panel.hidden = false;
    this.render();
    this.title.focus();
    this.loadHistory();
  }

  close() {
    this.selected = null;
    this.panel.hidden = true;
  }

  render() {
    const node = this.selected;
    const visits = this.visits.get(node) || [];
    this.title.textContent = `Step: ${node}`;
    this.panel.dataset.node = node;
    this.body.replaceChildren();
    if (!visits.length) {
      this.body.append(h("p", { class: "hint" }, "This node has not run (yet) in this run."));
      return;
    }
    visits.forEach((v, i) => this.body.append(this.card(v, i, visits.length)));
  }

  card(v, i, count) {
    const took = v.started && v.ended ? ` (${formatDuration(Date.parse(v.ended) - Date.parse(v.started))})` : v.started ? " (running)" : "";
    const when = `${time(v.started)}${v.ended ? ` → ${time(v.ended)}` : ""}${took}`;
    const parts = [h("h3", {}, `Visit ${i + 1} of ${count}${v.step !== null ? ` · step ${v.step}` : ""}`),
      h("p", { class: "hint step-times" }, when, v.taskId ? ` · task ${v.taskId}` : "")];
    if (v.error) {
      parts.push(h("h4", {}, "Error"), h("p", { class: "error-box step-error" }, [v.error.node ? `${v.error.node}: ` : "", v.error.type, v.error.message].filter(Boolean).join(": ")));
    }
    const input = inputCheckpoint(this.history, this.selected, v.step, this.runId);
    parts.push(h("h4", {}, "Input state"), this.historyError && !input
      ? h("p", { class: "hint step-input-missing" }, `Could not load the checkpoints: ${this.historyError}`)
      : renderInput(input, this.history === null));
    parts.push(h("h4", {}, "Update"), v.update === undefined
      ? h("p", { class: "hint" }, v.ended || v.error ? "No update." : "Not finished yet.")
      : h("pre", { tabindex: "0", class: "step-update" }, json(v.update)));
    if (input && v.update !== undefined) parts.push(h("h4", {}, "Changes"), renderDiff(input.values, v.update));
    if (v.custom.length) {
      parts.push(h("h4", {}, `Custom events (${v.custom.length})`),
        h("ol", { class: "step-custom" }, v.custom.map((c) => h("li", {}, h("span", { class: "hint" }, `${time(c.ts)} `), h("code", {}, JSON.stringify(c.data))))));
    }
    if (v.messages.size) {
      parts.push(h("h4", {}, `Messages (${v.messages.size})`));
      for (const m of v.messages.values()) {
        parts.push(h("div", { class: "step-message", dataset: { type: m.type } }, h("strong", {}, m.type), " ", m.text,
          [...m.calls.values()].map((c) => this.call(c))));
      }
    }
    if (v.tools.length) {
      parts.push(h("h4", {}, `Tool results (${v.tools.length})`),
        v.tools.map((t) => {
          const call = t.call;
          return h("div", { class: "step-tool-result" },
            call ? h("pre", { tabindex: "0", class: "step-call" }, `answers ${call.name}(${pretty(call.args)})`) : null,
            h("pre", { tabindex: "0", class: "step-tool" }, `${t.name || "tool"}${t.status === "error" ? " (error)" : ""}: ${content(t.content)}`));
        }));
    }
    return h("article", { class: "visit card", dataset: { task: v.taskId || "" } }, parts);
  }

  /** One tool call of a message: its name and arguments, and its result once it came. */
  call(c) {
    const result = c.result;
    return h("div", { class: "step-call-box", dataset: { call: c.id || "" } },
      h("pre", { tabindex: "0", class: "step-call" }, `calls ${c.name}(${pretty(c.args)})`),
      result
        ? h("pre", { tabindex: "0", class: "step-call-result" }, `${result.status === "error" ? "error" : "result"}: ${content(result.content)}`)
        : h("p", { class: "hint step-call-result" }, "No result yet."));
  }
}
