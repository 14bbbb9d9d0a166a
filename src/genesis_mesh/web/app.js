// The genesis-mesh chat UI. Speaks only the public protocol (docs/protocol.md, docs/ui.md).

import { ApiError, createRun, getGraph, getRun, listGraphs, whoAmI } from "./api.js";
import { clearToken, getToken, onAuthRequired, setToken } from "./auth.js";
import { $, formatTime, h, show } from "./dom.js";
import { SchemaForm } from "./forms.js";
import { GraphView } from "./graphview.js";
import { renderResult } from "./result.js";
import { MeshSocket } from "./ws.js";

const HISTORY_KEY = "genesis-mesh:history";
const HISTORY_MAX = 50;
const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const URL_RE = /\b(?:https?:\/\/|git@|file:\/\/)[^\s<>"']+/i;

const state = {
  graphs: [],
  infos: new Map(),
  selected: null,
  form: null,
  run: null, // {id, graph, threadId, status, reason, input}
  messages: new Map(),
};

const view = {
  graph: new GraphView($("#graph")),
};

// ---------- history (localStorage) ----------

function loadHistory() {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
    return Array.isArray(list) ? list.filter((e) => e && typeof e.run_id === "string") : [];
  } catch {
    return [];
  }
}

function saveHistory(list) {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX)));
  } catch {
    // storage full or disabled: history is a convenience only
  }
}

function remember(entry) {
  const list = loadHistory();
  const i = list.findIndex((e) => e.run_id === entry.run_id);
  if (i >= 0) list[i] = { ...list[i], ...entry };
  else list.unshift(entry);
  saveHistory(list);
  renderHistory();
}

function titleOf(graph, input) {
  const text = input && typeof input === "object"
    ? Object.values(input).find((v) => typeof v === "string" && v.trim())
    : typeof input === "string" ? input : null;
  return text ? `${graph}: ${text}` : graph;
}

function renderHistory() {
  const list = $("#history");
  list.replaceChildren();
  const entries = loadHistory();
  if (!entries.length) list.append(h("li", { class: "hint" }, "No runs yet."));
  for (const entry of entries) {
    const current = state.run && state.run.id === entry.run_id;
    list.append(h("li", {},
      h("button", {
        type: "button",
        class: "history-item",
        "aria-current": current ? "true" : null,
        dataset: { run: entry.run_id },
        onclick: () => navigateToRun(entry.run_id),
      },
      h("span", { class: "history-title" }, entry.title || entry.graph || entry.run_id),
      h("span", { class: "history-meta" },
        h("span", { class: `badge badge-small status-${entry.status || "pending"}` }, entry.status || "pending"),
        " ", formatTime(entry.created_at)))));
  }
}

async function refreshHistoryStatuses() {
  for (const entry of loadHistory().slice(0, 15)) {
    if (FINAL.has(entry.status)) continue;
    try {
      const run = await getRun(entry.run_id);
      remember({ run_id: entry.run_id, status: run.status });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) remember({ run_id: entry.run_id, status: "gone" });
    }
  }
}

// ---------- connection ----------

const socket = new MeshSocket({
  onEvent: applyEvent,
  onMessage: handleMessage,
  onStatus: (status, info) => {
    const box = $("#connection");
    document.body.dataset.connection = status;
    if (status === "open") {
      show(box, false);
      box.textContent = "";
    } else if (status === "reconnecting") {
      box.textContent = `Connection lost — reconnecting… (attempt ${info.attempt})`;
      show(box, true);
    } else if (status === "unauthorized") {
      show(box, false);
    }
  },
});
window.addEventListener("online", () => socket.reconnectNow());

function handleMessage(message) {
  if (message.type === "ack") {
    if (state.run && message.run_id === state.run.id && message.status) setStatus(message.status);
    return;
  }
  if (message.type === "error") {
    const forRun = state.run && (!message.run_id || message.run_id === state.run.id);
    if (forRun) {
      const box = $("#run-error");
      box.replaceChildren(h("strong", {}, message.code || "error"), ": ", String(message.message || ""));
      show(box, true);
      const answer = $("#question form");
      if (answer) {
        answer.querySelector(".form-error").textContent = String(message.message || message.code || "");
        answer.querySelector("button[type=submit]").disabled = false;
      }
    }
  }
}

// ---------- capabilities and the input form ----------

async function loadGraphs() {
  const box = $("#capability-list");
  try {
    state.graphs = await listGraphs();
  } catch (error) {
    box.replaceChildren(h("p", { class: "error-box" }, `Could not load the capabilities: ${error.message}`));
    return;
  }
  box.replaceChildren();
  for (const graph of state.graphs) {
    const id = `cap-${graph.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const radio = h("input", { type: "radio", name: "capability", id, value: graph.name, disabled: !graph.available, "aria-describedby": `${id}-desc` });
    radio.addEventListener("change", () => selectGraph(graph.name));
    box.append(h("div", { class: `capability${graph.available ? "" : " unavailable"}`, dataset: { graph: graph.name } },
      radio,
      h("label", { for: id }, h("strong", {}, graph.name),
        h("span", { id: `${id}-desc`, class: "capability-desc" },
          graph.available ? graph.description || "" : `Unavailable: ${graph.error || "failed to load"}`))));
  }
  if (!state.graphs.length) box.append(h("p", { class: "hint" }, "No capability is registered (langgraph.json)."));
}

async function graphInfo(name) {
  if (!state.infos.has(name)) state.infos.set(name, await getGraph(name));
  return state.infos.get(name);
}

async function selectGraph(name) {
  const radio = document.querySelector(`input[name="capability"][value="${CSS.escape(name)}"]`);
  if (radio && !radio.checked) radio.checked = true;
  const info = await graphInfo(name);
  state.selected = name;
  $("#form-title").textContent = name;
  $("#form-description").textContent = info.description || "";
  state.form = new SchemaForm($("#form-fields"), info.input_schema);
  $("#form-error").replaceChildren();
  show($("#input-form"), true);
  return state.form;
}

async function submitForm(event) {
  event.preventDefault();
  if (!state.selected || !state.form) return;
  const button = $("#start-button");
  const errorBox = $("#form-error");
  state.form.clearErrors();
  errorBox.replaceChildren();
  const input = state.form.values();
  button.disabled = true;
  try {
    const run = await createRun(state.selected, input);
    remember({ run_id: run.run_id, thread_id: run.thread_id, graph: state.selected, title: titleOf(state.selected, input), status: run.status, created_at: run.created_at || new Date().toISOString() });
    navigateToRun(run.run_id);
  } catch (error) {
    if (error instanceof ApiError && (error.code === "invalid_input" || error.code === "invalid_request")) {
      const detail = (Array.isArray(error.detail) ? error.detail : []).map((e) => ({
        ...e,
        loc: (e.loc || []).filter((part, i) => !(i < 2 && (part === "body" || part === "input"))),
      }));
      const rest = state.form.showErrors(detail);
      errorBox.replaceChildren(h("p", {}, error.message));
      if (rest.length) errorBox.append(h("ul", {}, rest.map((r) => h("li", {}, r))));
    } else {
      errorBox.replaceChildren(h("p", {}, error instanceof ApiError ? `${error.code || error.status}: ${error.message}` : String(error)));
    }
  } finally {
    button.disabled = false;
  }
}

// ---------- chat box ----------

function say(who, text) {
  const log = $("#chat-log");
  log.append(h("p", { class: `bubble bubble-${who}` }, text));
  log.scrollTop = log.scrollHeight;
}

async function handleChat(event) {
  event.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text) return;
  say("user", text);
  input.value = "";
  const available = state.graphs.filter((g) => g.available);
  const url = (text.match(URL_RE) || [])[0];
  if (url) {
    const target = await graphForUrl(available);
    if (target) {
      const form = await selectGraph(target.graph);
      form.set(target.field, url.replace(/[).,;]+$/, ""));
      say("app", `I filled the ${target.graph} form with ${target.field} = ${url}. Check the options and press “Start run”.`);
      $("#start-button").focus();
      return;
    }
  }
  const named = available.find((g) => new RegExp(`\\b${g.name.replace(/[^A-Za-z0-9_]/g, "")}\\b`, "i").test(text));
  const chosen = named ? named.name : state.selected;
  if (chosen) {
    const form = named || !state.form ? await selectGraph(chosen) : state.form;
    const strings = form.fields.filter((f) => f.kind === "string");
    if (!named && strings.length === 1) {
      form.set(strings[0].name, text);
      say("app", `I put your message into ${strings[0].title} of ${chosen}. Press “Start run” when ready.`);
    } else say("app", `Here is the ${chosen} form.`);
    $("#start-button").focus();
    return;
  }
  say("app", available.length
    ? `Pick a capability below (${available.map((g) => g.name).join(", ")}), or paste a repository URL.`
    : "No capability is available on this host.");
}

async function graphForUrl(available) {
  const preferred = available.slice().sort((a, b) => Number(b.name === "topical_mesh") - Number(a.name === "topical_mesh"));
  for (const graph of preferred) {
    let info;
    try {
      info = await graphInfo(graph.name);
    } catch {
      continue;
    }
    const props = Object.keys((info.input_schema && info.input_schema.properties) || {});
    const field = props.find((p) => p === "repo_url") || props.find((p) => /(^|_)(url|uri|repo)$/i.test(p));
    if (field) return { graph: graph.name, field };
  }
  return null;
}

// ---------- a run ----------

function setStatus(status, reason) {
  const run = state.run;
  if (!run) return;
  run.status = status;
  if (reason !== undefined) run.reason = reason;
  const badge = $("#run-status");
  badge.textContent = status === "interrupted" && run.reason ? `interrupted (${run.reason})` : status;
  badge.className = `badge status-${status}`;
  document.body.dataset.runStatus = status;
  const final = FINAL.has(status);
  $("#pause-button").disabled = !(status === "running" || status === "pending");
  $("#resume-button").disabled = !(status === "interrupted" && run.reason !== "question");
  $("#cancel-button").disabled = final;
  remember({ run_id: run.id, status });
  document.title = `${status} · ${$("#run-title").textContent} — genesis-mesh`;
}

function showNotice(text) {
  const box = $("#run-notice");
  box.textContent = text || "";
  show(box, Boolean(text));
}

function navigateToRun(runId) {
  const hash = `#/runs/${encodeURIComponent(runId)}`;
  if (location.hash !== hash) location.hash = hash;
  else openRun(runId);
}

async function openRun(runId) {
  if (state.run && state.run.id !== runId) socket.unfollow(state.run.id);
  if (state.run && state.run.id === runId) return;
  show($("#start-view"), false);
  show($("#run-view"), true);
  state.run = { id: runId, status: "pending", reason: null };
  state.messages.clear();
  $("#run-title").textContent = "Loading run…";
  $("#run-meta").textContent = "";
  $("#message-list").replaceChildren();
  show($("#messages"), false);
  $("#question").replaceChildren();
  show($("#question"), false);
  $("#result").replaceChildren();
  show($("#result"), false);
  show($("#run-error"), false);
  showNotice("");
  view.graph.setGraph(null);
  let run;
  try {
    run = await getRun(runId);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.run = null; // opened again after the sign-in
      return;
    }
    $("#run-title").textContent = "Run not found";
    const box = $("#run-error");
    box.textContent = `${error.message} (it may belong to another server or have been deleted).`;
    show(box, true);
    remember({ run_id: runId, status: "gone" });
    return;
  }
  if (!state.run || state.run.id !== runId) return;
  Object.assign(state.run, { graph: run.graph, threadId: run.thread_id, input: run.input });
  $("#run-title").textContent = titleOf(run.graph, run.input);
  $("#run-meta").replaceChildren(`Run ${run.run_id} · thread ${run.thread_id} · started ${formatTime(run.created_at)}`);
  remember({ run_id: run.run_id, thread_id: run.thread_id, graph: run.graph, title: titleOf(run.graph, run.input), created_at: run.created_at, status: run.status });
  try {
    view.graph.setGraph(await graphInfo(run.graph));
  } catch {
    view.graph.setGraph(null);
  }
  setStatus(run.status === "pending" ? "pending" : run.status, run.interrupt && run.interrupt.reason);
  socket.follow(runId, 0);
  $("#run-title").focus();
}

function applyEvent(event) {
  if (!state.run || event.run_id !== state.run.id) return;
  view.graph.apply(event);
  const data = event.data || {};
  switch (event.type) {
    case "run.started":
      setStatus("running");
      break;
    case "node.started":
      if (state.run.status !== "running") setStatus("running", null);
      break;
    case "message.delta":
      appendDelta(event.node, data);
      break;
    case "message.tool":
      appendToolResult(event.node, data);
      break;
    case "run.interrupted":
      setStatus("interrupted", data.reason || null);
      if (data.reason === "question") renderQuestions(data);
      else if (data.reason === "pause") showNotice("Paused at a node boundary. Resume to continue from the last checkpoint.");
      else if (data.reason === "shutdown") showNotice("The server stopped; this run continues by itself when it is back.");
      break;
    case "run.resumed":
      setStatus("running", null);
      showNotice("");
      $("#question").replaceChildren();
      show($("#question"), false);
      break;
    case "run.completed":
      setStatus("succeeded");
      showNotice("");
      show($("#result"), true);
      renderResult($("#result"), data.output, { graph: state.run.graph, runId: state.run.id });
      break;
    case "run.failed": {
      setStatus("failed");
      const err = data.error || {};
      const box = $("#run-error");
      box.replaceChildren(h("strong", {}, "The run failed"), ": ", [err.type, err.message].filter(Boolean).join(": "));
      show(box, true);
      break;
    }
    case "run.cancelled":
      setStatus("cancelled");
      showNotice(`Cancelled${data.reason ? ` (${data.reason})` : ""}.`);
      break;
    default:
      break;
  }
}

function appendDelta(node, data) {
  const id = String(data.message_id || node || "message");
  let bubble = state.messages.get(id);
  if (!bubble) {
    const kind = data.type && data.type !== "ai" ? data.type : "model";
    bubble = h("p", { class: "bubble bubble-model", dataset: { message: id, kind } });
    state.messages.set(id, bubble);
    $("#message-list").append(h("div", { class: "message" }, h("span", { class: "hint" }, node || "model"), bubble));
    show($("#messages"), true);
  }
  if (data.text) bubble.append(document.createTextNode(String(data.text)));
  for (const chunk of data.tool_call_chunks || []) appendToolCall(bubble, chunk);
}

/** A tool call the model streams: its name once, then its arguments as they arrive. */
function appendToolCall(bubble, chunk) {
  const index = String(chunk.index ?? 0);
  let call = bubble.querySelector(`.tool-call[data-index="${CSS.escape(index)}"]`);
  if (!call) {
    call = h("code", { class: "tool-call", dataset: { index } }, h("span", { class: "tool-name" }), h("span", { class: "tool-args" }));
    bubble.append(call);
  }
  if (chunk.name) call.querySelector(".tool-name").textContent = `calls ${chunk.name} `;
  if (chunk.args) call.querySelector(".tool-args").append(document.createTextNode(String(chunk.args)));
}

/** A tool's result: a step of its own, never the assistant speaking. */
function appendToolResult(node, data) {
  const content = typeof data.content === "string" ? data.content : JSON.stringify(data.content, null, 2);
  const label = `tool · ${data.name || node || "tool"}${data.status === "error" ? " (error)" : ""}`;
  $("#message-list").append(h("div", { class: "message message-tool", dataset: { toolCall: String(data.tool_call_id || "") } },
    h("span", { class: "hint" }, label), h("pre", { class: "tool-result" }, String(content ?? ""))));
  show($("#messages"), true);
}

/** One form per pending interrupt; with several, each answer goes by its interrupt id
 * (the run asks the others again). */
function renderQuestions(data) {
  const pending = Array.isArray(data.interrupts) && data.interrupts.length
    ? data.interrupts
    : [{ id: data.interrupt_id, value: data.question }];
  $("#question").replaceChildren();
  pending.forEach((item, i) => {
    const byId = pending.length > 1 && item.id;
    renderQuestion(item.value, i, (value) => (byId ? { [item.id]: value } : value));
  });
}

function renderQuestion(question, index = 0, answerOf = (value) => value) {
  const box = $("#question");
  show(box, true);
  const suffix = index ? `-${index}` : "";
  const conventional = question && typeof question === "object" && !Array.isArray(question);
  const prompt = conventional && typeof question.question === "string" ? question.question : "The run asks:";
  const choices = conventional && Array.isArray(question.choices) ? question.choices.filter((c) => c && typeof c === "object") : [];
  const key = conventional && typeof question.answer_key === "string" && question.answer_key ? question.answer_key : "accepted";
  const form = h("form", { id: `question-form${suffix}`, class: "question-form", novalidate: true });
  form.append(h("h2", { id: `question-title${suffix}` }, prompt));
  if (!conventional || typeof question.question !== "string") {
    form.append(h("pre", { class: "question-raw" }, JSON.stringify(question, null, 2)));
  }
  if (choices.length) {
    const group = h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, "Choices"));
    choices.forEach((choice, i) => {
      const id = `choice${suffix}-${i}`;
      group.append(h("div", { class: "choice" },
        h("input", { type: "checkbox", id, value: String(choice.id ?? i), checked: Boolean(choice.checked), dataset: { choice: String(choice.id ?? i) } }),
        h("label", { for: id }, String(choice.label ?? choice.id ?? `choice ${i + 1}`),
          choice.detail ? h("span", { class: "choice-detail" }, String(choice.detail)) : null)));
    });
    const all = h("button", { type: "button", class: "quiet", onclick: () => group.querySelectorAll("input").forEach((b) => { b.checked = true; }) }, "Select all");
    const none = h("button", { type: "button", class: "quiet", onclick: () => group.querySelectorAll("input").forEach((b) => { b.checked = false; }) }, "Select none");
    form.append(group, h("div", { class: "row" }, all, none));
  } else {
    form.append(h("label", { for: `answer-text${suffix}` }, "Your answer"), h("textarea", { id: `answer-text${suffix}`, rows: 3 }));
  }
  // Optional free text beside the choices: {"edits": {"key", "label", "placeholder"}}.
  const edits = conventional && question.edits && typeof question.edits === "object" && choices.length ? question.edits : null;
  const editsKey = edits && typeof edits.key === "string" && edits.key ? edits.key : "edits";
  if (edits) {
    form.append(
      h("label", { for: `answer-edits${suffix}` }, String(edits.label || "Edits (optional)")),
      h("textarea", { id: `answer-edits${suffix}`, rows: 3, placeholder: String(edits.placeholder || "") }));
  }
  form.append(h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "primary" }, "Answer and resume"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = choices.length
      ? { [key]: [...form.querySelectorAll(".choices input:checked")].map((b) => b.value) }
      : { answer: form.querySelector(`#answer-text${suffix}`).value };
    const editsText = edits ? form.querySelector(`#answer-edits${suffix}`).value.trim() : "";
    if (editsText) value[editsKey] = editsText;
    socket.send({ type: "resume", run_id: state.run.id, value: answerOf(value) });
    form.querySelector("button[type=submit]").disabled = true;
  });
  box.append(form);
  const first = form.querySelector("input, textarea");
  if (first && !index) first.focus();
}

// ---------- sign-in (docs/security.md) ----------

function showSignIn(reason) {
  if (document.body.dataset.auth === "required") return;
  document.body.dataset.auth = "required";
  show($("#account"), false);
  $("#signin-reason").textContent = getToken()
    ? "Your key or token was not accepted (revoked or expired); sign in again."
    : "This host requires an API key or a token.";
  if (reason && getToken()) $("#signin-error").textContent = String(reason);
  clearToken();
  show($("#signin-view"), true);
  $("#signin-key").focus();
}

function showAccount(me) {
  const signedIn = me.method !== "none";
  $("#account-user").textContent = signedIn ? `Signed in as ${me.user_id}${me.admin ? " (admin)" : ""}` : "";
  show($("#account"), signedIn);
}

async function signIn(event) {
  event.preventDefault();
  const field = $("#signin-key");
  const key = field.value.trim();
  const error = $("#signin-error");
  if (!key) {
    error.textContent = "Enter your API key or token.";
    return;
  }
  $("#signin-button").disabled = true;
  error.textContent = "";
  setToken(key);
  try {
    showAccount(await whoAmI());
  } catch (failure) {
    clearToken();
    error.textContent = failure instanceof ApiError && failure.status === 401
      ? `That key was not accepted: ${failure.message}`
      : `Could not sign in: ${failure.message}`;
    field.select();
    return;
  } finally {
    $("#signin-button").disabled = false;
  }
  field.value = "";
  delete document.body.dataset.auth;
  show($("#signin-view"), false);
  state.run = null;
  socket.restart();
  loadGraphs();
  route();
  refreshHistoryStatuses();
}

function signOut() {
  clearToken();
  location.reload();
}

onAuthRequired(showSignIn);
$("#signin-form").addEventListener("submit", signIn);
$("#sign-out").addEventListener("click", signOut);

// ---------- routing and wiring ----------

function showStart() {
  if (state.run) socket.unfollow(state.run.id);
  state.run = null;
  delete document.body.dataset.runStatus;
  show($("#run-view"), false);
  show($("#start-view"), true);
  document.title = "genesis-mesh";
  renderHistory();
}

function route() {
  const match = location.hash.match(/^#\/runs\/([^/?#]+)$/);
  if (match) openRun(decodeURIComponent(match[1]));
  else showStart();
}

$("#input-form").addEventListener("submit", submitForm);
$("#chat-form").addEventListener("submit", handleChat);
$("#new-run").addEventListener("click", () => {
  if (location.hash) location.hash = "";
  else showStart();
  $("#chat-input").focus();
});
$("#clear-history").addEventListener("click", () => {
  saveHistory([]);
  renderHistory();
});
$("#pause-button").addEventListener("click", () => state.run && socket.send({ type: "interrupt", run_id: state.run.id, mode: "pause" }));
$("#cancel-button").addEventListener("click", () => state.run && socket.send({ type: "interrupt", run_id: state.run.id, mode: "cancel" }));
$("#resume-button").addEventListener("click", () => state.run && socket.send({ type: "resume", run_id: state.run.id }));
window.addEventListener("hashchange", route);
setInterval(() => view.graph.tick(), 1000);

if (window.matchMedia("(max-width: 760px)").matches) $("#history-box").open = false;
renderHistory();
loadGraphs();
route();
refreshHistoryStatuses();
whoAmI().then(showAccount, () => {});
document.body.dataset.ready = "true";
