// A run's messages as a chat: who speaks (AI, tool, human, from `message.delta` `type`
// and `message.tool`), the model's text rendered as sanitized markdown while it streams,
// and each tool call as a collapsible step with its arguments and, once in, its result.

import { h } from "./dom.js";
import { LiveMarkdown } from "./markdown.js";

const SPEAKERS = { ai: "AI", human: "Human", tool: "Tool", system: "System" };

export class MessageLog {
  /** `container`: the list; `onShow()` is called when the first message arrives. */
  constructor(container, onShow) {
    this.container = container;
    this.onShow = onShow;
    this.clear();
  }

  clear() {
    this.messages = new Map(); // message id -> {el, markdown, calls: Map(index -> step)}
    this.calls = []; // tool-call steps in order, for their results
    this.container.replaceChildren();
  }

  message(id, kind, node) {
    let entry = this.messages.get(id);
    if (entry) return entry;
    const body = h("div", { class: "message-body markdown" });
    const el = h("article", { class: `message message-${kind}`, dataset: { message: id, kind }, "aria-label": `${SPEAKERS[kind] || kind} message` },
      h("header", { class: "message-head" },
        h("span", { class: `speaker speaker-${kind}` }, SPEAKERS[kind] || kind),
        node ? h("span", { class: "hint" }, ` · ${node}`) : null),
      body);
    entry = { el, body, markdown: new LiveMarkdown(body), calls: new Map() };
    this.messages.set(id, entry);
    this.container.append(el);
    this.onShow();
    return entry;
  }

  /** The human's messages of the run's input (`{"messages": [...]}`), shown first as
   * plain text: the stream carries only what the graph says, not what it was asked. */
  input(value) {
    const list = value && typeof value === "object" && Array.isArray(value.messages) ? value.messages : [];
    list.forEach((m, i) => {
      const text = humanText(m);
      if (text === null) return;
      const entry = this.message(String((m && m.id) || `input-${i}`), "human", null);
      entry.body.replaceChildren(h("p", {}, text));
    });
  }

  /** A `message.delta`: text appended (rendered as markdown), tool-call chunks merged. */
  delta(node, data) {
    const kind = typeof data.type === "string" && data.type ? data.type : "ai";
    const entry = this.message(String(data.message_id || node || "message"), kind, node);
    if (data.text) entry.markdown.append(String(data.text));
    for (const chunk of data.tool_call_chunks || []) this.callChunk(entry, chunk);
  }

  callChunk(entry, chunk) {
    const index = String(chunk.index ?? 0);
    let step = entry.calls.get(index);
    if (!step) {
      const name = h("span", { class: "tool-name" }, "tool");
      const args = h("pre", { tabindex: "0", class: "tool-args" });
      const result = h("div", { class: "tool-result-box", hidden: true }, h("p", { class: "hint" }, "Result"), h("pre", { tabindex: "0", class: "tool-result" }));
      const el = h("details", { class: "tool-call", dataset: { index } },
        h("summary", {}, "Calls ", name, h("span", { class: "tool-state hint" }, " · waiting for the result")),
        h("p", { class: "hint" }, "Arguments"), args, result);
      step = { el, name, args, result, id: null, argsText: "", done: false };
      entry.calls.set(index, step);
      this.calls.push(step);
      entry.el.append(el);
    }
    if (chunk.id) {
      step.id = String(chunk.id);
      step.el.dataset.toolCall = step.id;
    }
    if (chunk.name) step.name.textContent = String(chunk.name);
    if (chunk.args) {
      step.argsText += String(chunk.args);
      step.args.textContent = pretty(step.argsText);
    }
  }

  /** A `message.tool`: the result goes into its call's step (by `tool_call_id`), or a
   * tool message of its own when no call was seen; never the assistant speaking. */
  tool(node, data) {
    const content = typeof data.content === "string" ? data.content : JSON.stringify(data.content, null, 2);
    const id = String(data.tool_call_id || "");
    const step = this.calls.find((s) => !s.done && id && s.id === id) || this.calls.find((s) => !s.done && !s.id);
    const failed = data.status === "error";
    if (step) {
      step.done = true;
      step.result.hidden = false;
      step.result.querySelector(".tool-result").textContent = String(content ?? "");
      step.el.querySelector(".tool-state").textContent = failed ? " · failed" : " · done";
      step.el.dataset.status = failed ? "error" : "done";
      return;
    }
    const entry = this.message(String(data.message_id || `tool-${id || this.messages.size}`), "tool", data.name || node);
    entry.body.replaceChildren(h("pre", { tabindex: "0", class: "tool-result" }, String(content ?? "")));
    entry.el.dataset.toolCall = id;
    if (failed) entry.el.dataset.status = "error";
  }
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // still streaming: not whole JSON yet
  }
}

/** The text of a human message as LangChain or OpenAI shape it (`type: "human"`,
 * `role: "user"`, a bare string, content blocks), or null for any other message. */
function humanText(m) {
  if (typeof m === "string") return m;
  if (!m || typeof m !== "object") return null;
  if (!(m.type === "human" || m.role === "user" || m.role === "human")) return null;
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) {
    return m.content.map((part) => (typeof part === "string" ? part : part && part.type === "text" ? String(part.text ?? "") : "")).join("");
  }
  return null;
}
