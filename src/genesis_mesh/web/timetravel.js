// Time travel: the thread's checkpoints as a timeline (GET /api/v1/threads/{id}/history),
// one picked to see and edit its state as JSON, and a new run forked from there
// (POST /api/v1/threads/{id}/fork). Only the keys the user changed are sent, so the
// graph's reducers see a change, not the whole state again.

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString(undefined, { hour12: false });
}

export class TimeTravel {
  /** `onFork(run)`: the forked run was created. */
  constructor(onFork) {
    this.onFork = onFork;
    this.box = document.querySelector("#timetravel-box");
    this.list = document.querySelector("#checkpoints");
    this.form = document.querySelector("#fork-form");
    this.editor = document.querySelector("#fork-state");
    this.error = document.querySelector("#fork-error");
    this.threadId = null;
    this.picked = null;
    this.box.addEventListener("toggle", () => { if (this.box.open) this.load(); });
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.fork(); });
  }

  /** The run view shows another run (or its run finished: the checkpoints changed). */
  setThread(threadId) {
    this.threadId = threadId;
    this.picked = null;
    this.form.hidden = true;
    this.list.replaceChildren();
    delete this.list.dataset.loaded;
    if (this.box.open) this.load();
  }

  async load() {
    const threadId = this.threadId;
    if (!threadId) return;
    let history;
    try {
      history = await api(`/api/v1/threads/${encodeURIComponent(threadId)}/history?limit=200`);
    } catch (error) {
      this.list.replaceChildren(h("li", { class: "hint" }, `Could not load the checkpoints: ${error.message}`));
      return;
    }
    if (threadId !== this.threadId) return;
    this.list.replaceChildren();
    const oldestFirst = history.slice().reverse();
    if (!oldestFirst.length) this.list.append(h("li", { class: "hint" }, "No checkpoint yet."));
    for (const cp of oldestFirst) {
      const next = (cp.next || []).join(", ") || "end";
      this.list.append(h("li", {}, h("button", {
        type: "button",
        class: "checkpoint",
        "aria-pressed": "false",
        dataset: { checkpoint: cp.checkpoint_id, next, step: String(cp.step ?? "") },
        onclick: (event) => this.pick(cp, event.currentTarget),
      }, h("strong", {}, `step ${cp.step ?? "?"}`), ` · ${cp.source || ""} · next: ${next}`,
      h("span", { class: "hint" }, ` ${time(cp.created_at)}${cp.run_id ? ` · ${cp.run_id.slice(-8)}` : ""}`))));
    }
    this.list.dataset.loaded = "true";
  }

  pick(cp, button) {
    for (const other of this.list.querySelectorAll(".checkpoint")) other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    this.picked = cp;
    this.form.hidden = false;
    document.querySelector("#fork-title").textContent = `Checkpoint at step ${cp.step ?? "?"} (next: ${(cp.next || []).join(", ") || "end"})`;
    this.editor.value = JSON.stringify(cp.values ?? {}, null, 2);
    this.error.textContent = "";
    this.editor.focus();
  }

  /** The keys whose value the user changed (null: none, fork as it is). */
  changes() {
    let edited;
    try {
      edited = JSON.parse(this.editor.value);
    } catch (error) {
      throw new Error(`The state is not valid JSON: ${error.message}`);
    }
    if (!edited || typeof edited !== "object" || Array.isArray(edited)) throw new Error("The state must be a JSON object.");
    const original = this.picked.values && typeof this.picked.values === "object" ? this.picked.values : {};
    const changed = {};
    for (const [key, value] of Object.entries(edited)) {
      if (JSON.stringify(value) !== JSON.stringify(original[key])) changed[key] = value;
    }
    return Object.keys(changed).length ? changed : null;
  }

  async fork() {
    if (!this.picked) return;
    const button = this.form.querySelector("button[type=submit]");
    this.error.textContent = "";
    let values;
    try {
      values = this.changes();
    } catch (error) {
      this.error.textContent = error.message;
      this.editor.setAttribute("aria-invalid", "true");
      return;
    }
    this.editor.removeAttribute("aria-invalid");
    button.disabled = true;
    try {
      const run = await api(`/api/v1/threads/${encodeURIComponent(this.threadId)}/fork`, {
        method: "POST",
        body: values ? { checkpoint_id: this.picked.checkpoint_id, values } : { checkpoint_id: this.picked.checkpoint_id },
      });
      this.onFork(run);
    } catch (error) {
      this.error.textContent = error instanceof ApiError ? `${error.code || error.status}: ${error.message}` : String(error);
    } finally {
      button.disabled = false;
    }
  }
}
